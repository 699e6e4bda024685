import { expect } from 'chai';
import { Asm, Runner, m, machine, program, run, L, CODE_BASE, DATA, STACK_TOP } from './asm.js';
import {
  ExitReason, RAX, RBX, RCX, RDX, RSP, R11, SIGILL, SIGSEGV, SIGTRAP, SIGFPE, ILL_ILLOPN, SEGV_MAPERR, SEGV_ACCERR,
  SI_KERNEL, FPE_INTDIV, PERM_R, PERM_W,
} from '../../cpu/index.js';
import { GATE_ADDRESS } from '../../trampoline/layout.js';

const PERM_RW_ = PERM_R | PERM_W;

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`run loop (${tier})`, () => {
    describe('page 0: nop sled and gate', () => {
      it('call *%rax with rax = syscall number retires the sled nops and exits at the gate', () => {
        for (const nr of [0, 1, 39, 231, 511]) {
          const mc = program(new Asm().i('Mov_r32_imm32', 'eax', nr).i('Call_rm64', 'rax').i('Syscall'), tier);
          mc.mem.writeU64Parts(STACK_TOP - 8, 0x11111111, 0x22222222); // the caller's red zone
          expect(run(mc)).to.equal(ExitReason.Gate);
          expect(mc.ctx.rip).to.equal(GATE_ADDRESS);
          expect(mc.ctx.retired).to.equal(2 + (GATE_ADDRESS - nr));
          expect(mc.ctx.gateSavedLo).to.equal(0x11111111);
          expect(mc.ctx.gateSavedHi).to.equal(0x22222222);
          // the call pushed its return address over the red zone
          expect(mc.ctx.getReg(RSP)).to.equal(STACK_TOP - 8);
          expect(mc.mem.readU64(STACK_TOP - 8)).to.equal(CODE_BASE + 5 + 2);
          expect(mc.cpu.retiredTotal).to.equal(mc.ctx.retired);
        }
      });

      it('a number past the sled exits at the gate without sled nops; a jump into page 0 also reaches the gate', () => {
        const mc = program(new Asm().i('Mov_r32_imm32', 'eax', 1000).i('Call_rm64', 'rax'), tier);
        expect(run(mc)).to.equal(ExitReason.Gate);
        expect(mc.ctx.rip).to.equal(GATE_ADDRESS);
        expect(mc.ctx.retired).to.equal(2);
        const j = program(new Asm().i('Mov_r32_imm32', 'eax', 500).i('Jmp_rm64', 'rax'), tier);
        expect(run(j)).to.equal(ExitReason.Gate);
        expect(j.ctx.retired).to.equal(2 + 12);
      });
    });

    it('syscall and sysenter trap with rcx = next rip, r11 = rflags, the trap site recorded', () => {
      for (const bytes of [[0x0f, 0x05], [0x0f, 0x34]]) {
        const mc = program(new Asm().i('Stc').db(...bytes).i('Nopd'), tier);
        expect(run(mc)).to.equal(ExitReason.SyscallTrap);
        expect(mc.ctx.rip).to.equal(CODE_BASE + 3);
        expect(mc.ctx.getReg(RCX)).to.equal(CODE_BASE + 3);
        expect(mc.ctx.getReg(R11)).to.equal(0x203);
        expect(mc.ctx.trapSiteAddr).to.equal(CODE_BASE + 1);
        expect(mc.ctx.trapSiteLength).to.equal(2);
        expect(mc.ctx.retired).to.equal(2);
      }
    });

    describe('faults', () => {
      it('undefined opcode (the gate opcode outside page 0): SIGILL at rip naming the bytes', () => {
        const mc = program(new Asm().i('Nopd').db(0x0f, 0x3c), tier);
        expect(run(mc)).to.equal(ExitReason.Fault);
        expect(mc.ctx.faultSignal).to.equal(SIGILL);
        expect(mc.ctx.faultCode).to.equal(ILL_ILLOPN);
        expect(mc.ctx.faultAddr).to.equal(CODE_BASE + 1);
        expect(mc.ctx.rip).to.equal(CODE_BASE + 1);
        expect(mc.ctx.retired).to.equal(1);
        expect(mc.ctx.faultDetail).to.contain('0f 3c');
      });

      it('an unimplemented instruction names its mnemonic (AVX vaddps)', () => {
        const mc = program(new Asm().db(0xc5, 0xf4, 0x58, 0xc2), tier);
        expect(run(mc)).to.equal(ExitReason.Fault);
        expect(mc.ctx.faultSignal).to.equal(SIGILL);
        expect(mc.ctx.faultDetail).to.contain('vaddps');
        expect(mc.ctx.faultDetail).to.contain('c5 f4 58 c2');
      });

      it('ud2 -> SIGILL; int3 -> SIGTRAP after it; hlt -> SIGSEGV SI_KERNEL; div by 0 -> SIGFPE', () => {
        const ud = program(new Asm().i('Ud2'), tier);
        expect(run(ud)).to.equal(ExitReason.Fault);
        expect([ud.ctx.faultSignal, ud.ctx.faultCode, ud.ctx.faultAddr, ud.ctx.rip]).to.deep.equal([SIGILL, ILL_ILLOPN, CODE_BASE, CODE_BASE]);

        const bp = program(new Asm().i('Nopd').i('Int3').i('Nopd'), tier);
        expect(run(bp)).to.equal(ExitReason.Fault);
        expect([bp.ctx.faultSignal, bp.ctx.faultCode, bp.ctx.rip, bp.ctx.retired]).to.deep.equal([SIGTRAP, SI_KERNEL, CODE_BASE + 2, 2]);

        const h = program(new Asm().i('Hlt'), tier);
        expect(run(h)).to.equal(ExitReason.Fault);
        expect([h.ctx.faultSignal, h.ctx.faultCode, h.ctx.faultAddr, h.ctx.rip]).to.deep.equal([SIGSEGV, SI_KERNEL, 0, CODE_BASE]);

        const d = program(new Asm().i('Xor_r32_rm32', 'ecx', 'ecx').i('Div_rm32', 'ecx'), tier);
        expect(run(d)).to.equal(ExitReason.Fault);
        expect([d.ctx.faultSignal, d.ctx.faultCode, d.ctx.rip, d.ctx.retired]).to.deep.equal([SIGFPE, FPE_INTDIV, CODE_BASE + 2, 1]);
      });

      it('data access to page 0 or past RAM: SIGSEGV SEGV_MAPERR at the first bad byte, state unchanged', () => {
        const r = new Runner(new Asm().i('Mov_r64_rm64', 'rax', m('rbx', 0)), tier);
        for (const [addr, bad] of [[0, 0], [8, 8], [4092, 4092], [(1 << 20) - 4, 1 << 20], [-8, -8]]) {
          const ctx = r.mc.ctx;
          ctx.gpr.fill(0);
          ctx.setReg(RBX, addr);
          ctx.setReg(RAX, 0x1234);
          ctx.rip = CODE_BASE;
          expect(r.mc.cpu.run(ctx, 100)).to.equal(ExitReason.Fault);
          expect([ctx.faultSignal, ctx.faultCode, ctx.faultAddr, ctx.rip]).to.deep.equal([SIGSEGV, SEGV_MAPERR, bad, CODE_BASE]);
          expect(ctx.getReg(RAX)).to.equal(0x1234);
        }
        // a push whose stack is bad faults without moving rsp
        const p = program(new Asm().i('Mov_r32_imm32', 'esp', 4100).i('Push_r64', 'rax'), tier);
        expect(run(p)).to.equal(ExitReason.Fault);
        expect([p.ctx.faultSignal, p.ctx.faultAddr, p.ctx.getReg(RSP)]).to.deep.equal([SIGSEGV, 4092, 4100]);
      });

      it('instruction fetch from a non-executable page -> SIGSEGV; past RAM -> SEGV_MAPERR', () => {
        const mc = program(new Asm().i('Mov_r32_imm32', 'eax', DATA).i('Jmp_rm64', 'rax'), tier);
        mc.mem.setPerm(DATA, 4096, PERM_RW_);
        expect(run(mc)).to.equal(ExitReason.Fault);
        expect([mc.ctx.faultSignal, mc.ctx.faultCode, mc.ctx.faultAddr, mc.ctx.rip]).to.deep.equal([SIGSEGV, SEGV_ACCERR, DATA, DATA]);
        // an instruction running into a non-executable page
        const s = machine(new Uint8Array(0));
        s.mem.setPerm(DATA, 4096, PERM_RW_);
        s.mem.u8.set([0x90, 0x48, 0xb8, 1, 2], DATA - 5); // nop; movabs rax, imm64 cut by the page end
        s.cpu.tier = tier;
        s.ctx.rip = DATA - 5;
        expect(s.cpu.run(s.ctx, 100)).to.equal(ExitReason.Fault);
        expect([s.ctx.faultSignal, s.ctx.faultAddr, s.ctx.rip, s.ctx.retired]).to.deep.equal([SIGSEGV, DATA, DATA - 4, 1]);
        const far = program(new Asm().i('Mov_r32_imm32', 'eax', 0x7000_0000).i('Jmp_rm64', 'rax'), tier);
        expect(run(far)).to.equal(ExitReason.Fault);
        expect([far.ctx.faultSignal, far.ctx.faultCode, far.ctx.faultAddr]).to.deep.equal([SIGSEGV, SEGV_MAPERR, 0x7000_0000]);
      });

      it('misaligned movaps-class access -> SIGSEGV SI_KERNEL address 0 (#GP)', () => {
        const r = new Runner(new Asm().db(0x0f, 0x28, 0x03), tier); // movaps xmm0, [rbx]
        r.exec({ [RBX]: BigInt(DATA) });
        const ctx = r.mc.ctx;
        ctx.setReg(RBX, DATA + 8);
        ctx.rip = CODE_BASE;
        expect(r.mc.cpu.run(ctx, 100)).to.equal(ExitReason.Fault);
        expect([ctx.faultSignal, ctx.faultCode, ctx.faultAddr, ctx.rip]).to.deep.equal([SIGSEGV, SI_KERNEL, 0, CODE_BASE]);
      });
    });

    describe('budget and retired counts', () => {
      const loop = () => new Asm().i('Mov_r32_imm32', 'ecx', 1000).label('l').i('Add_rm32_imm8', 'eax', 1).i('Loop_rel8_64_RCX', L('l')).i('Syscall');

      it('stops at a block boundary at or after the budget, never more than a block past it, and resumes exactly', () => {
        const mc = program(loop(), tier);
        let reasons = 0;
        for (;;) {
          const before = mc.ctx.retired;
          const reason = mc.cpu.run(mc.ctx, 7);
          const ran = mc.ctx.retired - before;
          if (reason === ExitReason.SyscallTrap) break;
          expect(reason).to.equal(ExitReason.Budget);
          expect(ran).to.be.at.least(7);
          expect(ran).to.be.at.most(7 + 64);
          reasons++;
        }
        expect(reasons).to.be.greaterThan(100);
        expect(mc.ctx.retired).to.equal(1 + 2 * 1000 + 1);
        expect(mc.ctx.getReg(RAX)).to.equal(1000);
        expect(mc.cpu.retiredTotal).to.equal(mc.ctx.retired);
      });

      it('a zero budget runs nothing', () => {
        const mc = program(loop(), tier);
        expect(mc.cpu.run(mc.ctx, 0)).to.equal(ExitReason.Budget);
        expect(mc.ctx.retired).to.equal(0);
        expect(mc.ctx.rip).to.equal(CODE_BASE);
      });
    });

    describe('self-modifying code', () => {
      it('a store into the code of a later instruction in the same block takes effect', () => {
        // mov byte [rip-relative target+1], 7 ; target: mov eax, 1 -> becomes mov eax, 7
        const a = new Asm().i('Mov_r32_imm32', 'ebx', CODE_BASE + 8 + 1).i('Mov_rm8_imm8', m('rbx'), 7).i('Mov_r32_imm32', 'eax', 1).i('Syscall');
        const mc = program(a, tier);
        expect(run(mc)).to.equal(ExitReason.SyscallTrap);
        expect(mc.ctx.getReg(RAX)).to.equal(7);
        expect(mc.ctx.retired).to.equal(4);
      });

      it('kernel writes (GuestMemory helpers) and cpu.invalidate drop decoded blocks', () => {
        const a = new Asm().i('Mov_r32_imm32', 'eax', 1).i('Syscall');
        const mc = program(a, tier);
        for (let k = 0; k < 6; k++) { mc.ctx.rip = CODE_BASE; run(mc); }
        expect(mc.ctx.getReg(RAX)).to.equal(1);
        mc.mem.writeU8(CODE_BASE + 1, 2);
        mc.ctx.rip = CODE_BASE;
        run(mc);
        expect(mc.ctx.getReg(RAX)).to.equal(2);
        // a write the CPU is not told about is not seen until invalidate()
        mc.mem.u8[CODE_BASE + 1] = 3;
        mc.ctx.rip = CODE_BASE;
        run(mc);
        expect(mc.ctx.getReg(RAX)).to.equal(2);
        mc.cpu.invalidate(CODE_BASE, 16);
        mc.ctx.rip = CODE_BASE;
        run(mc);
        expect(mc.ctx.getReg(RAX)).to.equal(3);
      });
    });

    it('rdtsc counts retired instructions; cpuid describes a baseline SSE2 processor', () => {
      const mc = program(new Asm().i('Nopd').i('Nopd').i('Rdtsc').i('Mov_r32_rm32', 'esi', 'eax')
        .i('Xor_r32_rm32', 'eax', 'eax').i('Cpuid').i('Mov_r32_rm32', 'edi', 'ebx').i('Mov_r32_imm32', 'eax', 1).i('Cpuid').i('Mov_r32_rm32', 'r8d', 'ecx').i('Syscall'), tier);
      mc.cpu.retiredTotal = 1000;
      expect(run(mc)).to.equal(ExitReason.SyscallTrap);
      expect(mc.ctx.getReg(6)).to.equal(1002);
      expect(Buffer.from(new Uint32Array([mc.ctx.getReg(7)]).buffer).toString()).to.equal('Genu');
      const edx = mc.ctx.getReg(RDX);
      for (const bit of [0, 4, 8, 15, 23, 24, 25, 26]) expect((edx >>> bit) & 1, `CPUID.1:EDX bit ${bit}`).to.equal(1);
      expect(mc.ctx.getReg(8) & ((1 << 0) | (1 << 9) | (1 << 19) | (1 << 20) | (1 << 23) | (1 << 28))).to.equal(0); // no SSE3 SSSE3 SSE4 POPCNT AVX
      const ext = program(new Asm().i('Mov_r32_imm32', 'eax', 0x80000001).i('Cpuid').i('Mov_r32_rm32', 'r8d', 'ecx').i('Syscall'), tier);
      run(ext);
      expect(ext.ctx.getReg(RDX) & (1 << 29)).to.not.equal(0); // LM
      expect(ext.ctx.getReg(RDX) & (1 << 11)).to.not.equal(0); // SYSCALL
      expect(ext.ctx.getReg(8) & 1).to.equal(1); // LAHF
    });

    it('kernel flags round-trip through run: pushf/popf, lahf/sahf, cld/std', () => {
      const a = new Asm().i('Pushfq').i('Pop_r64', 'rax').i('Or_rm64_imm32', 'rax', 0x401).i('Push_r64', 'rax').i('Popfq')
        .i('Lahf').i('Cmc').i('Syscall');
      const mc = program(a, tier);
      mc.ctx.setRflags(0x202 | 0x80);
      expect(run(mc)).to.equal(ExitReason.SyscallTrap);
      expect(mc.ctx.getReg(RAX) & 0xff).to.equal(0x283 & 0xff);
      expect((mc.ctx.getReg(RAX) >> 8) & 0xff).to.equal(0x83);
      expect(mc.ctx.getRflags() & 0xfff).to.equal(0x282 | 0x400);
    });
  });
}

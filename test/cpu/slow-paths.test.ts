/**
 * The rare paths of the stack and control-transfer emitters in generated
 * code: a stack outside RAM or on a code page, a branch target that is not
 * a plain address below 4 GiB. Hot blocks keep registers in locals and the
 * slow path writes back and reloads only what its handler reads and writes
 * (regcache.ts narrowCall), so each case changes such a register earlier in
 * the same block and checks what the instruction saw and left.
 *
 * Layout: a `ud2` at CODE_BASE (the good runs' branch target), the code
 * under test from CODE_BASE + 2. Each block runs five times with good
 * inputs (compiled at the fourth run), then once with the bad ones.
 */
import { expect } from 'chai';
import { Asm, CODE_BASE, DATA, L, STACK_TOP, getR, m, program, runFrom } from './asm.js';
import type { Machine } from './asm.js';
import { ExitReason, RAX, RBX, RCX, RDX, RSP, SIGILL, SIGSEGV, SI_KERNEL } from '../../cpu/index.js';
import type { CpuContext, Tier } from '../../cpu/index.js';

const ENTRY = CODE_BASE + 2;
const TOP_OF_RAM = 1 << 20;
/** A stack pointer inside the code page, past the code: a push there writes a page holding decoded code. */
const ON_CODE = CODE_BASE + 0x800;
const NON_CANONICAL = 0x8000_0000_0000_0000n;
const ABOVE_4G = 0x1_0000_0000n;

function machineFor(body: Asm, tier: Tier, follow = true): Machine {
  const mc = program(new Asm().i('Ud2').label('entry').i('Mov_r32_imm32', 'ecx', 7), tier);
  // The body is assembled on its own and placed after the prefix (ud2 + mov ecx, 7: 2 + 5 bytes).
  mc.mem.u8.set(body.i('Ud2').assemble(ENTRY + 5), ENTRY + 5);
  mc.cpu.followBranches = follow;
  return mc;
}

const start = (mc: Machine, regs: Record<number, bigint>) => runFrom(mc, ENTRY, regs);

/** Five good runs, each checked to end at a ud2, then the bad one. */
function hotThenBad(mc: Machine, good: Record<number, bigint>, bad: Record<number, bigint>): CpuContext {
  for (let k = 0; k < 5; k++) {
    const { reason, ctx } = start(mc, good);
    expect(reason, `good run ${k}`).to.equal(ExitReason.Fault);
    expect(ctx.faultSignal, `good run ${k}: ${ctx.faultDetail}`).to.equal(SIGILL);
  }
  return start(mc, bad).ctx;
}

const rel = (from: number, to: number): bigint => BigInt.asUintN(64, BigInt(to - from));

function expectSegv(ctx: CpuContext, rip: number, code?: number): void {
  expect(ctx.faultSignal, ctx.faultDetail).to.equal(SIGSEGV);
  expect(ctx.rip).to.equal(rip);
  if (code !== undefined) expect(ctx.faultCode).to.equal(code);
}

for (const tier of ['compiled', 'hot'] as Tier[]) {
  describe(`stack and branch slow paths in generated code (${tier} tier)`, () => {
    // Instruction addresses: ENTRY + 5 is the first instruction after mov ecx, 7.
    const AT = ENTRY + 5;

    it('pop from a stack at the end of RAM faults there and changes nothing', () => {
      // add rsp, rbx (3 bytes); pop rdx
      const mc = machineFor(new Asm().i('Add_r64_rm64', 'rsp', 'rbx').i('Pop_r64', 'rdx'), tier);
      const sp = TOP_OF_RAM - 4;
      const ctx = hotThenBad(mc, { [RAX]: BigInt(CODE_BASE), [RBX]: 0n }, { [RAX]: BigInt(CODE_BASE), [RBX]: rel(STACK_TOP, sp), [RDX]: 0x55n });
      expectSegv(ctx, AT + 3);
      expect(ctx.faultAddr).to.equal(TOP_OF_RAM);
      expect(getR(ctx, RSP)).to.equal(BigInt(sp));
      expect(getR(ctx, RDX)).to.equal(0x55n);
      expect(getR(ctx, RCX)).to.equal(7n);
    });

    it('push below page 1 faults at the push; push onto a code page stores and goes on', () => {
      // add rsp, rbx; push rdx; mov ecx, 9; pop rax (then the ud2 after the body)
      const body = () => new Asm().i('Add_r64_rm64', 'rsp', 'rbx').i('Push_r64', 'rdx').i('Mov_r32_imm32', 'ecx', 9).i('Pop_r64', 'rax');
      let mc = machineFor(body(), tier);
      let ctx = hotThenBad(mc, { [RBX]: 0n, [RDX]: 1n }, { [RBX]: rel(STACK_TOP, 0x1004), [RDX]: 0x66n });
      expectSegv(ctx, AT + 3);
      expect(ctx.faultAddr).to.equal(0xffc);
      expect(getR(ctx, RSP)).to.equal(0x1004n);
      expect(getR(ctx, RCX)).to.equal(7n);

      mc = machineFor(body(), tier);
      ctx = hotThenBad(mc, { [RBX]: 0n, [RDX]: 1n }, { [RBX]: rel(STACK_TOP, ON_CODE), [RDX]: 0x1234_5678_9abc_def0n });
      expect(ctx.faultSignal, ctx.faultDetail).to.equal(SIGILL);
      expect(ctx.rip).to.equal(AT + 3 + 1 + 5 + 1);
      expect(getR(ctx, RAX)).to.equal(0x1234_5678_9abc_def0n);
      expect(getR(ctx, RSP)).to.equal(BigInt(ON_CODE));
      expect(getR(ctx, RCX)).to.equal(9n);
      expect(mc.mem.dv.getBigUint64(ON_CODE - 8, true)).to.equal(0x1234_5678_9abc_def0n);
    });

    for (const follow of [true, false]) {
      it(`call with a bad stack faults at the call; onto a code page it calls (${follow ? 'followed' : 'not followed'})`, () => {
        // add rsp, rbx; call f; ud2; f: mov ecx, 9; jmp rax (rax = CODE_BASE: the ud2 there)
        const body = () => new Asm().i('Add_r64_rm64', 'rsp', 'rbx').i('Call_rel32_64', L('f')).i('Ud2')
          .label('f').i('Mov_r32_imm32', 'ecx', 9).i('Jmp_rm64', 'rax');
        let mc = machineFor(body(), tier, follow);
        let ctx = hotThenBad(mc, { [RAX]: BigInt(CODE_BASE), [RBX]: 0n }, { [RAX]: BigInt(CODE_BASE), [RBX]: rel(STACK_TOP, 0x1004) });
        expectSegv(ctx, AT + 3);
        expect(ctx.faultAddr).to.equal(0xffc);
        expect(getR(ctx, RSP)).to.equal(0x1004n);
        expect(getR(ctx, RCX)).to.equal(7n);

        mc = machineFor(body(), tier, follow);
        ctx = hotThenBad(mc, { [RAX]: BigInt(CODE_BASE), [RBX]: 0n }, { [RAX]: BigInt(CODE_BASE), [RBX]: rel(STACK_TOP, ON_CODE) });
        expect(ctx.faultSignal, ctx.faultDetail).to.equal(SIGILL);
        expect(ctx.rip).to.equal(CODE_BASE);
        expect(getR(ctx, RSP)).to.equal(BigInt(ON_CODE - 8));
        expect(getR(ctx, RCX)).to.equal(9n);
        expect(mc.mem.dv.getUint32(ON_CODE - 8, true)).to.equal(AT + 3 + 5);
      });
    }

    it('call through a register: a non-canonical target is #GP at the call, a bad stack faults there', () => {
      // add rax, rbx; add rsp, rdx; call rax
      const body = () => new Asm().i('Add_r64_rm64', 'rax', 'rbx').i('Add_r64_rm64', 'rsp', 'rdx').i('Call_rm64', 'rax');
      let mc = machineFor(body(), tier);
      let ctx = hotThenBad(mc, { [RAX]: BigInt(CODE_BASE), [RBX]: 0n }, { [RAX]: BigInt(CODE_BASE), [RBX]: NON_CANONICAL - BigInt(CODE_BASE) });
      expectSegv(ctx, AT + 6, SI_KERNEL);
      expect(getR(ctx, RSP)).to.equal(BigInt(STACK_TOP));
      expect(getR(ctx, RAX)).to.equal(NON_CANONICAL);
      expect(getR(ctx, RCX)).to.equal(7n);

      mc = machineFor(body(), tier);
      ctx = hotThenBad(mc, { [RAX]: BigInt(CODE_BASE), [RBX]: 0n }, { [RAX]: BigInt(CODE_BASE), [RBX]: 0n, [RDX]: rel(STACK_TOP, 0x1004) });
      expectSegv(ctx, AT + 6);
      expect(ctx.faultAddr).to.equal(0xffc);
      expect(getR(ctx, RSP)).to.equal(0x1004n);

      // Onto a code page: the handler pushes, rsp comes back into the block's locals.
      mc = machineFor(body(), tier);
      ctx = hotThenBad(mc, { [RAX]: BigInt(CODE_BASE), [RBX]: 0n }, { [RAX]: BigInt(CODE_BASE), [RBX]: 0n, [RDX]: rel(STACK_TOP, ON_CODE) });
      expect(ctx.faultSignal, ctx.faultDetail).to.equal(SIGILL);
      expect(getR(ctx, RSP)).to.equal(BigInt(ON_CODE - 8));
      expect(mc.mem.dv.getUint32(ON_CODE - 8, true)).to.equal(AT + 8);
    });

    it('call and jmp through memory: a target above 4 GiB is taken (and pushed for), a non-canonical one is #GP', () => {
      for (const op of ['Call_rm64', 'Jmp_rm64']) {
        // add rbx, 8 (4 bytes); call/jmp [rbx] (2 bytes)
        const mc = machineFor(new Asm().i('Add_rm64_imm8', 'rbx', 8).i(op, m('rbx')), tier);
        const slot = (v: bigint) => mc.mem.dv.setBigUint64(DATA + 8, v, true);
        slot(BigInt(CODE_BASE));
        // The slot the stale rbx would name leads elsewhere: a wrong write-back shows.
        mc.mem.dv.setBigUint64(DATA, BigInt(CODE_BASE), true);
        const good = { [RBX]: BigInt(DATA) };
        for (let k = 0; k < 5; k++) expect(start(mc, good).ctx.faultSignal).to.equal(SIGILL);
        slot(ABOVE_4G);
        let ctx = start(mc, good).ctx;
        expect(ctx.faultSignal, `${op}: ${ctx.faultDetail}`).to.equal(SIGSEGV);
        expect(ctx.rip, op).to.equal(Number(ABOVE_4G));
        expect(getR(ctx, RSP), op).to.equal(BigInt(op === 'Call_rm64' ? STACK_TOP - 8 : STACK_TOP));
        expect(getR(ctx, RCX), op).to.equal(7n);
        if (op === 'Call_rm64') expect(mc.mem.dv.getUint32(STACK_TOP - 8, true)).to.equal(AT + 6);
        slot(NON_CANONICAL);
        ctx = start(mc, good).ctx;
        expectSegv(ctx, AT + 4, SI_KERNEL);
        expect(getR(ctx, RSP), op).to.equal(BigInt(STACK_TOP));
        expect(getR(ctx, RBX), op).to.equal(BigInt(DATA + 8));
      }
    });

    it('jmp through a register to a non-canonical address is #GP at the jmp', () => {
      const mc = machineFor(new Asm().i('Add_r64_rm64', 'rax', 'rbx').i('Jmp_rm64', 'rax'), tier);
      const ctx = hotThenBad(mc, { [RAX]: BigInt(CODE_BASE), [RBX]: 0n }, { [RAX]: BigInt(CODE_BASE), [RBX]: NON_CANONICAL - BigInt(CODE_BASE) });
      expectSegv(ctx, AT + 3, SI_KERNEL);
      expect(getR(ctx, RAX)).to.equal(NON_CANONICAL);
      expect(getR(ctx, RCX)).to.equal(7n);
    });

    it('ret to an address above 4 GiB pops it; to a non-canonical one is #GP at the ret', () => {
      // push rax (1 byte); ret
      const mc = machineFor(new Asm().i('Push_r64', 'rax').i('Retnq'), tier);
      let ctx = hotThenBad(mc, { [RAX]: BigInt(CODE_BASE) }, { [RAX]: ABOVE_4G });
      expect(ctx.faultSignal, ctx.faultDetail).to.equal(SIGSEGV);
      expect(ctx.rip).to.equal(Number(ABOVE_4G));
      expect(getR(ctx, RSP)).to.equal(BigInt(STACK_TOP));
      expect(getR(ctx, RCX)).to.equal(7n);
      ctx = start(mc, { [RAX]: NON_CANONICAL }).ctx;
      expectSegv(ctx, AT + 1, SI_KERNEL);
      expect(getR(ctx, RSP)).to.equal(BigInt(STACK_TOP - 8));
      expect(getR(ctx, RCX)).to.equal(7n);
    });
  });
}

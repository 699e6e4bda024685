/**
 * Signal sets, pending queues and the rt_sigframe round trip: the frame the
 * kernel writes for a handler, read back by rt_sigreturn, restores every
 * register, and sits where Linux puts it (below the red zone or on the
 * alternate stack, 16-byte aligned minus 8, fpstate 64-byte aligned).
 */
import { expect } from 'chai';
import { Cpu, CpuContext, GuestMemory, MemoryFault, RAX, RDI, RDX, RSI, RSP, R15 } from '../../cpu/index.js';
import { SA_ONSTACK, SA_SIGINFO, SIGCHLD, SIGINT, SIGKILL, SIGRTMIN, SIGSEGV, SIGSTOP, SIGUSR1, SI_USER, SS_DISABLE, SS_ONSTACK } from '../../kernel/signal/defs.js';
import { FPSTATE_SIZE, RED_ZONE, RT_SIGFRAME, RT_SIGFRAME_SIZE, SC, UC, restoreRtFrame, setupRtFrame } from '../../kernel/signal/frame.js';
import { SI_CODE, SI_PID, SI_SIGNO } from '../../kernel/signal/siginfo.js';
import { SigPending } from '../../kernel/signal/state.js';
import { SigSet } from '../../kernel/signal/sigset.js';

describe('kernel: signal sets and queues', () => {
  it('SigSet keeps bit n-1 for signal n across both words', () => {
    const s = SigSet.of(SIGINT, 32, 33, 64);
    expect(s.lo).to.equal(((1 << 1) | (1 << 31)) >>> 0);
    expect(s.hi).to.equal((1 | (1 << 31)) >>> 0);
    expect([...s]).to.deep.equal([SIGINT, 32, 33, 64]);
    expect(s.first()).to.equal(SIGINT);
    expect(s.copy().del(SIGINT).first()).to.equal(32);
    expect(SigSet.of(SIGKILL, SIGSTOP, SIGUSR1).dropUnblockable().equals(SigSet.of(SIGUSR1))).to.equal(true);
  });

  it('standard signals coalesce, real-time signals queue', () => {
    const q = new SigPending();
    expect(q.add({ signo: SIGUSR1, code: SI_USER, pid: 5 })).to.equal(true);
    expect(q.add({ signo: SIGUSR1, code: SI_USER, pid: 6 })).to.equal(false);
    expect(q.add({ signo: SIGRTMIN + 1, code: -1, value: 1 })).to.equal(true);
    expect(q.add({ signo: SIGRTMIN + 1, code: -1, value: 2 })).to.equal(true);
    expect(q.count).to.equal(3);
    expect(q.take(SIGUSR1)?.pid).to.equal(5);
    expect(q.has(SIGUSR1)).to.equal(false);
    expect(q.take(SIGRTMIN + 1)?.value).to.equal(1);
    expect(q.has(SIGRTMIN + 1)).to.equal(true);
    expect(q.take(SIGRTMIN + 1)?.value).to.equal(2);
    expect(q.has(SIGRTMIN + 1)).to.equal(false);
  });

  it('delivers fault signals first, then the lowest number, skipping blocked ones', () => {
    const q = new SigPending();
    q.add({ signo: SIGCHLD, code: 1 });
    q.add({ signo: SIGINT, code: 0 });
    q.add({ signo: SIGSEGV, code: 1 });
    expect(q.next(new SigSet())).to.equal(SIGSEGV);
    expect(q.next(SigSet.of(SIGSEGV))).to.equal(SIGINT);
    expect(q.next(SigSet.of(SIGSEGV, SIGINT))).to.equal(SIGCHLD);
    expect(q.next(SigSet.of(SIGSEGV, SIGINT, SIGCHLD))).to.equal(0);
  });
});

describe('kernel: rt_sigframe', () => {
  const setup = (): { mem: GuestMemory; cpu: Cpu; ctx: CpuContext } => {
    const mem = new GuestMemory(1 << 20);
    const cpu = new Cpu(mem);
    const ctx = new CpuContext();
    for (let r = 0; r < 16; r++) ctx.setReg(r, 0x1111_0000 * (r + 1) + r);
    ctx.gpr[2 * R15 + 1] = 0x7edc_ba98 | 0;
    ctx.setReg(RSP, 0x8_0000 + 0x123);
    ctx.rip = 0x4_5678;
    ctx.setRflags(0x202 | 1 | 0x80);
    for (let i = 0; i < 256; i++) ctx.xmmBytes[i] = (i * 13 + 1) & 0xff;
    ctx.mxcsr = 0x1fa0;
    return { mem, cpu, ctx };
  };
  const info = { signo: SIGUSR1, code: SI_USER, pid: 42, uid: 0 };
  const fault = { trapno: 0, err: 0, cr2: 0 };
  const noAlt = { sp: 0, size: 0, flags: SS_DISABLE };

  it('lays out the frame below the red zone with Linux alignment and points the registers at it', () => {
    const { mem, cpu, ctx } = setup();
    const orig = new CpuContext();
    orig.copyFrom(ctx);
    const oldMask = SigSet.of(SIGINT, 40);
    setupRtFrame(mem, cpu, ctx, noAlt, { sig: SIGUSR1, info, handler: 0x5_0000, flags: SA_SIGINFO, restorer: 0x5_1000, oldMask, fault });
    const frame = ctx.getRegU(RSP);
    expect((frame + 8) % 16).to.equal(0);
    expect(frame + RT_SIGFRAME_SIZE).to.be.at.most(orig.getRegU(RSP) - RED_ZONE);
    expect(ctx.rip).to.equal(0x5_0000);
    expect(ctx.getReg(RDI)).to.equal(SIGUSR1);
    expect(ctx.getReg(RSI)).to.equal(frame + RT_SIGFRAME.info);
    expect(ctx.getReg(RDX)).to.equal(frame + RT_SIGFRAME.uc);
    expect(ctx.getReg(RAX)).to.equal(0);
    expect(mem.readU64(frame)).to.equal(0x5_1000);
    const mc = frame + RT_SIGFRAME.uc + UC.mcontext;
    expect(mem.readU64(mc + SC.rip)).to.equal(0x4_5678);
    expect(mem.readU64(mc + SC.rsp)).to.equal(orig.getRegU(RSP));
    expect(mem.readU32(mc + SC.r15 + 4)).to.equal(0x7edc_ba98);
    expect(mem.readU64(mc + SC.eflags) & 0x81).to.equal(0x81);
    const fp = mem.readU64(mc + SC.fpstate);
    expect(fp % 64).to.equal(0);
    expect(fp).to.be.at.least(frame + RT_SIGFRAME_SIZE);
    expect(fp + FPSTATE_SIZE).to.be.at.most(orig.getRegU(RSP) - RED_ZONE);
    expect(mem.readBytes(fp + 160, 256)).to.deep.equal(orig.xmmBytes);
    expect(mem.readU32(frame + RT_SIGFRAME.uc + UC.sigmask)).to.equal(oldMask.lo);
    expect(mem.readU32(frame + RT_SIGFRAME.uc + UC.sigmask + 4)).to.equal(oldMask.hi);
    expect(mem.readI32(frame + RT_SIGFRAME.info + SI_SIGNO)).to.equal(SIGUSR1);
    expect(mem.readI32(frame + RT_SIGFRAME.info + SI_CODE)).to.equal(SI_USER);
    expect(mem.readI32(frame + RT_SIGFRAME.info + SI_PID)).to.equal(42);
    // The handler starts with a clean FPU state.
    expect(ctx.xmmBytes.every((b) => b === 0)).to.equal(true);
    expect(ctx.mxcsr).to.equal(0x1f80);
  });

  it('rt_sigreturn restores every register, the FPU state and returns the saved mask', () => {
    const { mem, cpu, ctx } = setup();
    const orig = new CpuContext();
    orig.copyFrom(ctx);
    setupRtFrame(mem, cpu, ctx, noAlt, { sig: SIGUSR1, info, handler: 0x5_0000, flags: 0, restorer: 0x5_1000, oldMask: SigSet.of(SIGINT), fault });
    // The handler runs, clobbers, and returns into the restorer: `ret` popped pretcode.
    for (let r = 0; r < 16; r++) if (r !== RSP) ctx.setReg(r, -1);
    ctx.xmmBytes.fill(0xee);
    ctx.setReg(RSP, ctx.getRegU(RSP) + 8);
    const replaced = ctx.gprReplaced;
    const r = restoreRtFrame(mem, cpu, ctx);
    // Said, so that a trace that made the call keeps none of its own copies (Cpu.gate).
    expect(ctx.gprReplaced).to.be.above(replaced);
    expect(Array.from(ctx.gpr)).to.deep.equal(Array.from(orig.gpr));
    expect(ctx.rip).to.equal(orig.rip);
    expect(ctx.getRflags()).to.equal(orig.getRflags());
    expect(ctx.xmmBytes).to.deep.equal(orig.xmmBytes);
    expect(ctx.mxcsr).to.equal(0x1fa0);
    expect(r.mask.equals(SigSet.of(SIGINT))).to.equal(true);
  });

  it('uses the alternate stack for SA_ONSTACK and records it in uc_stack', () => {
    const { mem, cpu, ctx } = setup();
    const alt = { sp: 0x2_0000, size: 0x4000, flags: 0 };
    setupRtFrame(mem, cpu, ctx, alt, { sig: SIGUSR1, info, handler: 0x5_0000, flags: SA_ONSTACK, restorer: 0x5_1000, oldMask: new SigSet(), fault });
    const frame = ctx.getRegU(RSP);
    expect(frame).to.be.above(alt.sp);
    expect(frame).to.be.below(alt.sp + alt.size);
    expect(mem.readU64(frame + RT_SIGFRAME.uc + UC.stack)).to.equal(alt.sp);
    expect(mem.readU64(frame + RT_SIGFRAME.uc + UC.stack + 16)).to.equal(alt.size);
    // A nested signal while on the alternate stack stays on it, below the first frame.
    setupRtFrame(mem, cpu, ctx, alt, { sig: SIGUSR1, info, handler: 0x5_0000, flags: SA_ONSTACK, restorer: 0x5_1000, oldMask: new SigSet(), fault });
    expect(ctx.getRegU(RSP)).to.be.below(frame);
    expect(ctx.getRegU(RSP)).to.be.above(alt.sp);
    expect(mem.readI32(ctx.getRegU(RSP) + RT_SIGFRAME.uc + UC.stack + 8)).to.equal(SS_ONSTACK);
  });

  it('a stack that cannot hold the frame is a MemoryFault (the caller forces SIGSEGV)', () => {
    const { mem, cpu, ctx } = setup();
    ctx.setReg(RSP, 0x800);
    expect(() => setupRtFrame(mem, cpu, ctx, noAlt, { sig: SIGUSR1, info, handler: 1, flags: 0, restorer: 1, oldMask: new SigSet(), fault }))
      .to.throw(MemoryFault);
  });
});

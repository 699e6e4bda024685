/**
 * The x86-64 rt_sigframe as Linux builds it (arch/x86/kernel/signal.c,
 * signal_64.c; uapi asm/sigcontext.h, asm/ucontext.h):
 *
 *   frame + 0     pretcode (sa_restorer: the handler's return address)
 *   frame + 8     struct ucontext   (304 bytes)
 *   frame + 312   struct siginfo    (128 bytes)
 *   ...           the 512-byte fxsave image, 64-byte aligned, above the frame
 *
 * The frame sits below the 128-byte red zone (or on the alternate stack),
 * aligned so that rsp + 8 is a multiple of 16 at handler entry, as after a call.
 */
import { CpuContext, R8, R9, R10, R11, R12, R13, R14, R15, RAX, RBP, RBX, RCX, RDI, RDX, RSI, RSP } from '../../cpu/context.js';
import { AC, AF, CF, DF, OF, PF, SF, TF, ZF } from '../../cpu/context.js';
import { MemoryFault, PERM_R, PERM_W, storeU64 } from '../../cpu/memory.js';
import type { GuestMemory } from '../../cpu/memory.js';
import { SA_ONSTACK, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK } from './defs.js';
import { SIGINFO_SIZE, writeSigInfo } from './siginfo.js';
import type { SigInfo } from './siginfo.js';
import { SigSet } from './sigset.js';

/** struct sigcontext (64-bit), offsets inside it. */
export const SC = {
  r8: 0, r9: 8, r10: 16, r11: 24, r12: 32, r13: 40, r14: 48, r15: 56,
  rdi: 64, rsi: 72, rbp: 80, rbx: 88, rdx: 96, rax: 104, rcx: 112, rsp: 120, rip: 128, eflags: 136,
  cs: 144, gs: 146, fs: 148, ss: 150, err: 152, trapno: 160, oldmask: 168, cr2: 176, fpstate: 184,
  reserved1: 192,
} as const;
export const SIGCONTEXT_SIZE = 256;

/** struct ucontext (the kernel's, with the 8-byte sigset), offsets inside it. */
export const UC = { flags: 0, link: 8, stack: 16, mcontext: 40, sigmask: 296 } as const;
export const UCONTEXT_SIZE = 304;
/** stack_t inside uc_stack. */
export const STACK_T = { sp: 0, flags: 8, size: 16 } as const;
export const STACK_T_SIZE = 24;

/** struct rt_sigframe. */
export const RT_SIGFRAME = { pretcode: 0, uc: 8, info: 8 + UCONTEXT_SIZE } as const;
export const RT_SIGFRAME_SIZE = 8 + UCONTEXT_SIZE + SIGINFO_SIZE;
/** fxsave image (no XSAVE on this CPU) and its alignment. */
export const FPSTATE_SIZE = 512;
export const FPSTATE_ALIGN = 64;
export const RED_ZONE = 128;

export const UC_FP_XSTATE = 1, UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;
/** Selectors a 64-bit user process runs with (__USER_CS, __USER_DS). */
export const USER_CS = 0x33, USER_DS = 0x2b;
/** Flags sigreturn may change (FIX_EFLAGS; RF is meaningless here). */
export const FIX_EFLAGS = AC | OF | DF | TF | SF | ZF | AF | PF | CF;

/** sigcontext slot of each general register, in the kernel's order. */
const GREGS: Array<[number, number]> = [
  [SC.r8, R8], [SC.r9, R9], [SC.r10, R10], [SC.r11, R11], [SC.r12, R12], [SC.r13, R13], [SC.r14, R14],
  [SC.r15, R15], [SC.rdi, RDI], [SC.rsi, RSI], [SC.rbp, RBP], [SC.rbx, RBX], [SC.rdx, RDX], [SC.rax, RAX],
  [SC.rcx, RCX], [SC.rsp, RSP],
];

export interface AltStack { sp: number; size: number; flags: number }

/** on_sig_stack(): is sp on the alternate stack? (never, with SS_AUTODISARM). */
export function onSigStack(alt: AltStack, sp: number): boolean {
  if ((alt.flags & SS_AUTODISARM) !== 0) return false;
  return sp > alt.sp && sp - alt.sp <= alt.size;
}

/** sas_ss_flags(): what sigaltstack(2) reports and uc_stack records. */
export function altStackFlags(alt: AltStack, sp: number): number {
  if (alt.size === 0) return SS_DISABLE;
  return onSigStack(alt, sp) ? SS_ONSTACK : 0;
}

export interface FrameCpu {
  fxsave(ctx: CpuContext, addr: number): void;
  fxrstor(ctx: CpuContext, addr: number): void;
}

export interface FrameRequest {
  sig: number;
  info: SigInfo;
  handler: number;
  flags: number;
  restorer: number;
  /** The mask to record in uc_sigmask (the one to restore at sigreturn). */
  oldMask: SigSet;
  fault: { trapno: number; err: number; cr2: number };
}

const alignDown = (v: number, a: number): number => v - (((v % a) + a) % a);

/**
 * Writes the frame for one handler invocation and points regs at the handler.
 * Throws MemoryFault when the stack is not writable (the caller forces SIGSEGV).
 */
export function setupRtFrame(mem: GuestMemory, cpu: FrameCpu, regs: CpuContext, alt: AltStack, req: FrameRequest): void {
  const userSp = regs.getRegU(RSP);
  let sp = userSp - RED_ZONE;
  if ((req.flags & SA_ONSTACK) !== 0 && altStackFlags(alt, sp) === 0) sp = alt.sp + alt.size;
  const fp = alignDown(sp - FPSTATE_SIZE, FPSTATE_ALIGN);
  const frame = alignDown(fp - RT_SIGFRAME_SIZE, 16) - 8;
  if (!mem.check(frame, fp + FPSTATE_SIZE - frame, PERM_W)) throw new MemoryFault(frame, true);
  cpu.fxsave(regs, fp);
  const b = new Uint8Array(RT_SIGFRAME_SIZE);
  const dv = new DataView(b.buffer);
  const put64 = (off: number, v: number): void => storeU64(dv, off, v);
  const putReg = (off: number, r: number): void => {
    dv.setInt32(off, regs.gpr[2 * r], true);
    dv.setInt32(off + 4, regs.gpr[2 * r + 1], true);
  };
  put64(RT_SIGFRAME.pretcode, req.restorer);
  const uc = RT_SIGFRAME.uc;
  put64(uc + UC.flags, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
  put64(uc + UC.link, 0);
  put64(uc + UC.stack + STACK_T.sp, alt.sp);
  dv.setInt32(uc + UC.stack + STACK_T.flags, altStackFlags(alt, userSp), true);
  put64(uc + UC.stack + STACK_T.size, alt.size);
  const mc = uc + UC.mcontext;
  for (const [off, r] of GREGS) putReg(mc + off, r);
  put64(mc + SC.rip, regs.rip);
  put64(mc + SC.eflags, regs.getRflags());
  dv.setUint16(mc + SC.cs, USER_CS, true);
  dv.setUint16(mc + SC.gs, 0, true);
  dv.setUint16(mc + SC.fs, 0, true);
  dv.setUint16(mc + SC.ss, USER_DS, true);
  put64(mc + SC.err, req.fault.err);
  put64(mc + SC.trapno, req.fault.trapno);
  dv.setUint32(mc + SC.oldmask, req.oldMask.lo, true);
  dv.setUint32(mc + SC.oldmask + 4, req.oldMask.hi, true);
  put64(mc + SC.cr2, req.fault.cr2);
  put64(mc + SC.fpstate, fp);
  dv.setUint32(uc + UC.sigmask, req.oldMask.lo, true);
  dv.setUint32(uc + UC.sigmask + 4, req.oldMask.hi, true);
  mem.writeBytes(frame, b);
  writeSigInfo(mem, frame + RT_SIGFRAME.info, req.info);

  regs.setReg(RDI, req.sig);
  regs.setReg(RAX, 0);
  regs.setReg(RSI, frame + RT_SIGFRAME.info);
  regs.setReg(RDX, frame + RT_SIGFRAME.uc);
  regs.setReg(RSP, frame);
  regs.rip = req.handler;
  regs.setRflagsRaw(regs.getRflags() & ~(DF | TF));
  resetFpu(regs);
}

/** fpu__clear_user_states: the handler starts with a clean x87/SSE state. */
export function resetFpu(ctx: CpuContext): void {
  ctx.xmmBytes.fill(0);
  ctx.mxcsr = 0x1f80;
  ctx.fpr.fill(0);
  ctx.fpTop = 0;
  ctx.fpTagValid = 0;
  ctx.fpControl = 0x037f;
  ctx.fpStatus = 0;
}

export interface SigreturnResult {
  mask: SigSet;
  stack: AltStack;
}

/**
 * rt_sigreturn: restores the registers, the FPU state, and returns the mask
 * and uc_stack to reinstate. The frame is at rsp - 8 (the handler's `ret`
 * popped pretcode). Throws MemoryFault on a bad frame.
 */
export function restoreRtFrame(mem: GuestMemory, cpu: FrameCpu, regs: CpuContext): SigreturnResult {
  const frame = regs.getRegU(RSP) - 8;
  const uc = frame + RT_SIGFRAME.uc;
  const mc = uc + UC.mcontext;
  const b = mem.readBytes(frame, RT_SIGFRAME.info);
  const dv = new DataView(b.buffer);
  const at = (off: number): number => off - frame;
  const mask = new SigSet(dv.getUint32(at(uc + UC.sigmask), true), dv.getUint32(at(uc + UC.sigmask + 4), true));
  const stack: AltStack = {
    sp: dv.getUint32(at(uc + UC.stack), true) + dv.getUint32(at(uc + UC.stack) + 4, true) * 0x1_0000_0000,
    flags: dv.getInt32(at(uc + UC.stack + STACK_T.flags), true),
    size: dv.getUint32(at(uc + UC.stack + STACK_T.size), true) +
      dv.getUint32(at(uc + UC.stack + STACK_T.size) + 4, true) * 0x1_0000_0000,
  };
  const fp = dv.getUint32(at(mc + SC.fpstate), true) + dv.getUint32(at(mc + SC.fpstate) + 4, true) * 0x1_0000_0000;
  // Check the fpstate before touching any register, so a bad frame leaves them as they were.
  if (fp !== 0 && !mem.check(fp, FPSTATE_SIZE, PERM_R)) throw new MemoryFault(fp, false);
  regs.replacedGprs();
  for (const [off, r] of GREGS) {
    regs.gpr[2 * r] = dv.getInt32(at(mc + off), true);
    regs.gpr[2 * r + 1] = dv.getInt32(at(mc + off) + 4, true);
  }
  regs.rip = dv.getUint32(at(mc + SC.rip), true) + dv.getUint32(at(mc + SC.rip) + 4, true) * 0x1_0000_0000;
  const fl = dv.getUint32(at(mc + SC.eflags), true);
  regs.setRflagsRaw((regs.getRflags() & ~FIX_EFLAGS) | (fl & FIX_EFLAGS) | 0x202);
  if (fp === 0) resetFpu(regs); else cpu.fxrstor(regs, fp);
  return { mask, stack };
}

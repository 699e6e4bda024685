/** Why `Cpu.run` returned to the kernel (DESIGN.md decision 5). */
export const enum ExitReason {
  /** Control reached the kernel gate in page 0 (zpoline fast path). */
  Gate = 1,
  /** A `syscall` or `sysenter` instruction executed (trap path); rip is past it. */
  SyscallTrap = 2,
  /** A fault: see ctx.faultSignal / faultCode / faultAddr. rip is the faulting instruction. */
  Fault = 3,
  /** The instruction budget ran out at an instruction boundary. */
  Budget = 4,
  /** `hlt` executed (privileged in user mode on hardware; here it stops the slice). */
  Halt = 5,
  /**
   * The gate was reached and Cpu.gate dispatched the call inside run(), but
   * the return to user mode needs the scheduler (a signal to deliver, the
   * task sleeps or ended, another task should run): rip is where the call
   * left it.
   */
  GateDone = 6,
}

/** Linux signal numbers the CPU can raise. */
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGSEGV = 11;

/** si_code values as Linux reports them for CPU faults (include/uapi/asm-generic/siginfo.h). */
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const ILL_ILLOPC = 1;
export const ILL_ILLOPN = 2;
export const FPE_INTDIV = 1;
export const FPE_INTOVF = 2;
export const FPE_FLTDIV = 3;
export const FPE_FLTOVF = 4;
export const FPE_FLTUND = 5;
export const FPE_FLTRES = 6;
export const FPE_FLTINV = 7;
export const BUS_ADRALN = 1;
export const SI_KERNEL = 0x80;

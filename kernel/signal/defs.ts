/**
 * Signal numbers, sigaction flags and default actions of x86-64 Linux
 * (include/uapi/asm-generic/signal.h, include/linux/signal.h).
 */
export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6;
export const SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12;
export const SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17;
export const SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23;
export const SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28;
export const SIGIO = 29, SIGPWR = 30, SIGSYS = 31;
export const SIGRTMIN = 32, SIGRTMAX = 64;
/** Highest signal number (_NSIG). */
export const NSIG = 64;

export const SIG_DFL = 0, SIG_IGN = 1;

export const SA_NOCLDSTOP = 0x1, SA_NOCLDWAIT = 0x2, SA_SIGINFO = 0x4, SA_RESTORER = 0x04000000;
export const SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000;
export const SA_RESETHAND = 0x80000000;
/** Flags Linux keeps (others are silently dropped, like SA_UNSUPPORTED probing). */
export const SA_KNOWN = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_RESTORER | SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND;

export const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
export const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 0x80000000;
export const MINSIGSTKSZ = 2048;

/** si_code values (include/uapi/asm-generic/siginfo.h). */
export const SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TIMER = -2, SI_MESGQ = -3;
export const SI_ASYNCIO = -4, SI_SIGIO = -5, SI_TKILL = -6;
export const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5, CLD_CONTINUED = 6;

export const enum DefaultAction { Term, Core, Stop, Cont, Ignore }

/** What SIG_DFL does for each signal (signal(7)). Real-time signals terminate. */
export function defaultAction(sig: number): DefaultAction {
  switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
    case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
      return DefaultAction.Core;
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
      return DefaultAction.Stop;
    case SIGCONT:
      return DefaultAction.Cont;
    case SIGCHLD: case SIGURG: case SIGWINCH:
      return DefaultAction.Ignore;
    default:
      return DefaultAction.Term;
  }
}

/** Signals that are delivered before others (they report a fault of the current instruction). */
export const SYNCHRONOUS = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS];

export function isStopSignal(sig: number): boolean {
  return sig === SIGSTOP || sig === SIGTSTP || sig === SIGTTIN || sig === SIGTTOU;
}

export function validSignal(sig: number): boolean {
  return Number.isInteger(sig) && sig >= 1 && sig <= NSIG;
}

const NAMES = ['', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE',
  'SIGKILL', 'SIGUSR1', 'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT',
  'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU',
  'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS'];

/** strace's name for a signal number. */
export function signalName(sig: number): string {
  if (sig >= 1 && sig < NAMES.length) return NAMES[sig];
  if (sig === SIGRTMIN) return 'SIGRTMIN';
  if (sig > SIGRTMIN && sig <= SIGRTMAX) return `SIGRT_${sig - SIGRTMIN}`;
  return `${sig}`;
}

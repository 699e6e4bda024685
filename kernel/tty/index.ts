/**
 * The guest's terminal: the n_tty line discipline, termios and the terminal
 * ioctls, job control (foreground process group, SIGTTIN/SIGTTOU, ISIG
 * characters, SIGWINCH), over the host's stdin/stdout (ProcessTtyHost) or an
 * in-memory host for tests (FakeTtyHost). A redirected host stdin passes
 * bytes through and is not a terminal to the guest.
 *
 * The kernel core supplies TtyJobControl (coreJobControl builds it from the
 * Kernel); its Task satisfies TtyTask. installConsoleTty makes kernel/fs's
 * boot console a terminal when the host input is one.
 */
export { Tty, ttyOps, ttyOfFile } from './tty.js';
export type { TtyHost } from './host.js';
export { ProcessTtyHost } from './host.js';
export { FakeTtyHost } from './fakehost.js';
export type { TtyJobControl, TtyJobState, TtyTask } from './jobctl.js';
export { checkChange, isControlling } from './jobctl.js';
export { NTty, N_TTY_BUF_SIZE } from './ldisc.js';
export { attachConsoleTty, coreJobControl, installConsoleTty } from './core.js';
export type { CoreKernel, CoreProcess, CoreTask } from './core.js';
export type { LdiscSink } from './ldisc.js';
export * from './termios.js';
export * from './ioctls.js';

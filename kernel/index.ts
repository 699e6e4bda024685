/**
 * The kernel (DESIGN.md decisions 5-10 and 13). Public surface:
 *  - Kernel: boot over a guest root, spawn the first process, run it to its end;
 *  - the syscall table and its metadata (SYSCALL_TABLE, SYSCALL_LINES, renderSyscallDoc);
 *  - Stats and the strace sink type;
 *  - hostExitCode: a wait status as a host exit status;
 *  - installConsoleTty (kernel/tty): the console becomes a terminal when the host's stdin is one.
 */
export { Kernel, DEFAULT_MEM_BYTES, DEFAULT_STACK_BYTES } from './kernel.js';
export type { KernelOptions, KernelStdio, SyscallPath } from './kernel.js';
export { UTS_RELEASE, UTS_VERSION } from './version.js';
export { SYSCALL_TABLE, SYSCALL_LINES } from './syscalls/table.js';
export { renderSyscallDoc } from './syscalls/doc.js';
export type { ArgKind, Handler, SyscallDef, SyscallStatus } from './syscalls/types.js';
export { Stats } from './stats.js';
export type { SyscallStat } from './stats.js';
export type { TraceSink } from './strace.js';
export { hostExitCode } from './exit.js';
export type { Process, Task } from './task.js';
export { installConsoleTty } from './tty/index.js';
export type { Tty } from './tty/index.js';

/**
 * Syscall table metadata (DESIGN.md decision 13): each entry names the call,
 * the kinds of its arguments (for --strace and the docs) and how well it is
 * supported. Shared by the kernel core and the filesystem code.
 */
export type ArgKind = 'int' | 'uint' | 'long' | 'ulong' | 'size' | 'ssize' | 'off' | 'fd' | 'dirfd' | 'ptr' | 'buf' | 'str' | 'path' | 'strv' | 'flags' | 'oflags' | 'mode' | 'pid' | 'sig' | 'clockid' | 'struct';
export type SyscallStatus = 'supported' | 'partial' | 'error';
export type Handler<T> = (t: T, a0: number, a1: number, a2: number, a3: number, a4: number, a5: number) => number;
export interface SyscallDef<T> { readonly name: string; readonly args: readonly ArgKind[]; readonly status: SyscallStatus; readonly note?: string; readonly handler: Handler<T> }

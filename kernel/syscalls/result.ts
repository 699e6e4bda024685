/**
 * A handler result meaning "the registers are already what user mode must
 * see; do not write rax" (rt_sigreturn restores a full 64-bit rax, which a
 * double cannot carry exactly). Outside the errno range, like BLOCK.
 */
export const KEEP_REGS = -4097;

/**
 * Page-0 layout constants, defined once and shared by the CPU, the loader
 * and the kernel (DESIGN.md decision 6).
 *
 *   [0, SLED_LENGTH)            nop sled: `call *%rax` with rax = syscall number lands here
 *   [GATE_ADDRESS, +2)          kernel gate, opcode 0f 3c (undefined on real hardware)
 *   [GATE_ADDRESS + 2, PAGE)    filler; control reaching it is treated as a gate entry
 *                               with a number past the sled (-ENOSYS)
 */
export const PAGE_SIZE = 4096;
/** Syscall numbers 0..511 have a nop each. */
export const SLED_LENGTH = 512;
/** The gate follows the sled immediately. */
export const GATE_ADDRESS = SLED_LENGTH;
/** Opcode bytes of the kernel-gate instruction. */
export const GATE_OPCODE: readonly [number, number] = [0x0f, 0x3c];
/** `call *%rax`, the replacement of every rewritten syscall site. */
export const CALL_RAX: readonly [number, number] = [0xff, 0xd0];
/** `syscall` and `sysenter`, the two instructions the rewriter replaces. */
export const SYSCALL_OPCODE: readonly [number, number] = [0x0f, 0x05];
export const SYSENTER_OPCODE: readonly [number, number] = [0x0f, 0x34];

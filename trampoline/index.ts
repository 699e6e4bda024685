/**
 * Page 0: the zpoline trampoline. Public surface: the layout constants (used
 * by the CPU, the loader and the kernel) and the page builder.
 */
export {
  PAGE_SIZE, SLED_LENGTH, GATE_ADDRESS, GATE_OPCODE, CALL_RAX, SYSCALL_OPCODE, SYSENTER_OPCODE,
} from './layout.js';
export { buildPageZero, installPageZero } from './build.js';

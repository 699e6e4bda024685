/**
 * The simulated x86-64 CPU: guest memory, register state, exit reasons, and
 * the engine that runs guest code (docs/cpu.md).
 */
export * from './memory.js';
export * from './context.js';
export * from './exit.js';
export { Cpu, GATE_CONTINUE, GATE_DEFER, GATE_EXIT, type GateHandler, type Tier } from './cpu.js';
export { copyMethod } from './method-copy.js';
export { supportedCodes } from './supported.js';
export { blockFunctionStats, compileMemoStats } from './compile.js';
export { templateStats } from './templates.js';
export { default as iced } from './iced.js';

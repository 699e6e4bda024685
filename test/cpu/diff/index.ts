/**
 * Differential testing of the simulated CPU against this machine's x86-64
 * processor (issue 4). Public surface for the tests and the run.ts command:
 * the case families, the native harness, the emulated run, the comparison and
 * the coverage report. See docs/cpu-testing.md.
 */
export { allFamilies } from './families/index.js';
export { buildHarness, checkLayout, repoRoot, runNative, type NativeCase } from './native.js';
export { Emulator, TIERS, type EmuCase, type Tier } from './emulator.js';
export { compareCase, describeMismatch, x87Matches, type Mismatch } from './compare.js';
export { formatReport, runDifferential, selectForms, type Engine, type FormResult, type RunOptions, type RunReport } from './runner.js';
export { censusOf, mergeCensus, type CensusEntry, type FileCensus } from './census.js';
export type { Check, DiffCase, Family, Form, X87Check, X87Rule } from './model.js';
export type { InputState, Observed } from './state.js';
export * as layout from './layout.js';

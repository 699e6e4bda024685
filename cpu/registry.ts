/**
 * Instruction families register here, by iced-x86 Code value, a builder that
 * turns a decoded Insn into its specialised handler (docs/cpu.md explains how).
 */
import iced from './iced.js';
import type { Exec, Insn } from './insn.js';

const { Code } = iced;

/**
 * Picks the handler for an instruction whose operand fields the decoder has
 * filled, and may precompute scratch fields (i.a, i.b, i.x, i.op). Returns
 * null for an operand form the family does not implement (the CPU then raises
 * SIGILL naming the instruction).
 */
export type Build = (i: Insn) => Exec | null;

const builders: (Build | undefined)[] = [];

/** Registers one builder for one or more Code values. A Code may be registered only once. */
export function def(codes: number | readonly number[], build: Build): void {
  for (const code of typeof codes === 'number' ? [codes] : codes) {
    if (builders[code] !== undefined) throw new Error(`cpu: Code ${code} registered twice`);
    builders[code] = build;
  }
}

export function builderFor(code: number): Build | undefined {
  return builders[code];
}

/** iced-x86 Code values with a registered builder. */
export function registeredCodes(): ReadonlySet<number> {
  const s = new Set<number>();
  builders.forEach((b, code) => { if (b !== undefined) s.add(code); });
  return s;
}


/** Code values by iced name (e.g. 'Add_rm32_r32'); a misspelt name is an engine bug and throws. */
export function codes(...names: string[]): number[] {
  return names.map((n) => {
    const v = (Code as unknown as Record<string, number>)[n];
    if (typeof v !== 'number') throw new Error(`cpu: no iced Code named ${n}`);
    return v;
  });
}

/**
 * Builds page 0 (DESIGN.md decision 6): the nop sled that `call *%rax` lands
 * in, the kernel gate after it, and int3 filler. The real x86 bytes come from
 * iced-x86's encoder; only the gate, which no real CPU defines, is the
 * constant opcode from layout.ts.
 */
import { iced } from '../cpu/index.js';
import { PERM_X } from '../cpu/memory.js';
import type { GuestMemory } from '../cpu/memory.js';
import { GATE_ADDRESS, GATE_OPCODE, PAGE_SIZE, SLED_LENGTH } from './layout.js';

const { Encoder, Instruction, Code } = iced;

/** The encoding of one instruction without operands, from iced's encoder. */
function encodeBare(code: number): Uint8Array {
  const encoder = new Encoder(64);
  const instr = Instruction.create(code);
  try {
    encoder.encode(instr, 0n);
    return encoder.takeBuffer();
  } finally {
    instr.free();
    encoder.free();
  }
}

/** Fills [from, to) with repetitions of one encoded instruction. */
function repeat(page: Uint8Array, from: number, to: number, insn: Uint8Array): void {
  if ((to - from) % insn.length !== 0) throw new Error('page-0 layout does not divide into whole instructions');
  for (let a = from; a < to; a += insn.length) page.set(insn, a);
}

/** The 4096 bytes of page 0. */
export function buildPageZero(): Uint8Array {
  const page = new Uint8Array(PAGE_SIZE);
  repeat(page, 0, SLED_LENGTH, encodeBare(Code.Nopd));
  page.set(GATE_OPCODE, GATE_ADDRESS);
  repeat(page, GATE_ADDRESS + GATE_OPCODE.length, PAGE_SIZE, encodeBare(Code.Int3));
  return page;
}

/**
 * Writes page 0 into guest RAM and makes it execute-only, so that a NULL
 * data access still faults. Written through the raw view because the checked
 * helpers (rightly) refuse data writes to page 0.
 */
export function installPageZero(mem: GuestMemory): void {
  mem.u8.set(buildPageZero(), 0);
  mem.setPerm(0, PAGE_SIZE, PERM_X);
  mem.notifyWrite(0, PAGE_SIZE);
}

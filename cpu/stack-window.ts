/**
 * One range check for a run of stack accesses (compiled tier).
 *
 * Each memory access in generated code tests its own address: inside RAM,
 * and for a store not on a page holding decoded code. A function's prologue
 * and epilogue are mostly accesses at constant offsets from rsp (pushes,
 * pops, spills to [rsp+d], the call and the ret), whose addresses are known
 * relative to rsp at the start of the straight-line run. The window is the
 * range they span: checked once where the run starts (in RAM, off code
 * pages), each access it covers then skips its own test when the window
 * held; when it did not, every access tests itself as before.
 *
 * A run's rsp offsets stay known while rsp moves only by push, pop, a
 * followed call and `add/sub rsp, imm` or `lea rsp, [rsp+d]`, outside any
 * forward-skipped range; anything else that names rsp ends the window.
 * Code pages cannot appear while a block runs (decoding happens between
 * blocks, and a trace's system call ends the members' windows), so the
 * check at the start stays true.
 */
import iced from './iced.js';
import { K_MEM, K_OTHER, K_REG, SEG_NONE, type Insn } from './insn.js';
import { codes } from './registry.js';
import { stackEffectOf } from './emit.js';

/** The widest window (two pages at most: its two ends are the pages to test). */
const MAX_SPAN = 4096;
const RSP_REG = 4;
const RSP_HALF = 8;

const ADD_IMM = new Set(codes('Add_rm64_imm8', 'Add_rm64_imm32'));
const SUB_IMM = new Set(codes('Sub_rm64_imm8', 'Sub_rm64_imm32'));
const LEA64 = codes('Lea_r64_m')[0];
/** Memory operands that are not accessed. */
const NO_ACCESS = new Set(codes('Lea_r64_m', 'Lea_r32_m', 'Lea_r16_m'));

/** Instructions that use the stack implicitly (unless their emitted form declares its effect, emit.ts stackEffect). */
const IMPLICIT_STACK: ReadonlySet<number> = new Set(Object.entries(iced.Code as unknown as Record<string, number>)
  .filter(([name]) => /^(Push|Pop(?!cnt)|Call|Ret|Enter|Leave|Iret|Int|Sys|Lss|Uiret)/.test(name)).map(([, v]) => v));

export interface StackWindow {
  /** The range, relative to rsp where the run starts. */
  lo: number;
  hi: number;
  /** By instruction: every access it makes lies in the window. */
  covered: boolean[];
  /** By instruction: rsp before it, relative to rsp where the run starts. */
  delta: number[];
}

function kinds(i: Insn): number[] {
  return [i.k0, i.k1, i.k2, i.k3].slice(0, i.nops);
}

function regs(i: Insn): number[] {
  return [i.r0, i.r1, i.r2, i.r3].slice(0, i.nops);
}

/** Whether the instruction's memory operand is [rsp + constant] (64-bit address, no segment base). */
function rspRelative(i: Insn): boolean {
  return i.mb === RSP_HALF && i.mx < 0 && !i.ripRel && !i.m32 && i.mseg === SEG_NONE;
}

/**
 * The window of a straight-line run of instructions (a block's, a trace
 * member's, an inlined side exit's), or null when it would cover fewer than
 * `least` accesses. skipTo: the forward skips inside the run (compile.ts).
 */
export function stackWindow(ins: Insn[], skipTo: number[], least = 2): StackWindow | null {
  const covered: boolean[] = new Array(ins.length).fill(false);
  const at: number[] = new Array(ins.length).fill(0);
  let lo = Infinity, hi = -Infinity, count = 0;
  let delta = 0;
  const open: number[] = [];
  const take = (from: number, size: number): void => {
    lo = Math.min(lo, from);
    hi = Math.max(hi, from + size);
    count++;
  };
  for (let j = 0; j < ins.length; j++) {
    while (open.length > 0 && open[open.length - 1] <= j) open.pop();
    const i = ins[j];
    const eff = stackEffectOf(i);
    const k = kinds(i);
    if (k.includes(K_OTHER)) break;
    if (eff === undefined && IMPLICIT_STACK.has(i.code)) break;
    if (eff === null) break;
    // rsp named as a register: only the forms that move it by a constant keep the offsets known.
    let move = eff !== undefined ? eff.delta : 0;
    const namesRsp = eff === undefined && k.some((kind, x) => kind === K_REG && regs(i)[x] === RSP_REG);
    if (namesRsp) {
      const dest = i.k0 === K_REG && i.r0 === RSP_REG && i.s0 === 8;
      if (dest && ADD_IMM.has(i.code) && i.k1 !== K_REG) move = i.imm;
      else if (dest && SUB_IMM.has(i.code) && i.k1 !== K_REG) move = -i.imm;
      else if (dest && i.code === LEA64 && rspRelative(i)) move = i.md;
      else break;
    }
    // A move inside a range some paths skip leaves the offsets after it unknown.
    if (move !== 0 && open.length > 0) break;
    let all = true;
    if (k.includes(K_MEM) && !NO_ACCESS.has(i.code)) {
      if (rspRelative(i) && i.msize > 0 && i.msize <= 16) take(delta + i.md, i.msize);
      else all = false;
    }
    if (eff !== undefined) take(delta + eff.at, 8);
    covered[j] = all;
    at[j] = delta;
    delta += move;
    if (skipTo[j] > 0) open.push(skipTo[j]);
  }
  if (count < least || hi - lo > MAX_SPAN) return null;
  return { lo, hi, covered, delta: at };
}

/** `r[8] + d` as source. */
function plus(d: number): string {
  return d === 0 ? 'r[8]' : d > 0 ? `(r[8] + ${d})` : `(r[8] - ${-d})`;
}

/**
 * The statement testing the window once: rsp below 2^31, the window inside
 * RAM above page 0 and off code pages. `name` is the boolean local it declares.
 */
export function windowCheck(w: StackWindow, name: string): string {
  return `const ${name} = ${holds(w)};\n`;
}

/** The condition the window holds under. */
function holds(w: StackWindow): string {
  return `r[9] === 0 && ${plus(w.lo)} >= 4096 && ${plus(w.hi)} <= size && (cp[${plus(w.lo)} >>> 12] | cp[${plus(w.hi - 1)} >>> 12]) === 0`;
}

/**
 * The statement running `leave` (code that leaves the function) when the
 * window does not hold, lies above 2^31 or starts at an rsp not 4-aligned:
 * where it holds, its accesses need no test, take their addresses as int32
 * (Gen.rsp) and, at offsets that keep rsp's alignment, go through the int32
 * word view (Gen.stackWord). The ABI keeps rsp 8-aligned, so the last test
 * costs nothing but code that misaligns it on purpose.
 */
export function windowExit(w: StackWindow, leave: string): string {
  return `if (!(${holds(w)} && ${plus(w.hi)} <= 2147483648 && (r[8] & 3) === 0)) ${leave}\n`;
}

/** Whether the instruction accesses memory or the stack (not lea, whose operand is an address only). */
export function accesses(i: Insn): boolean {
  return !NO_ACCESS.has(i.code);
}

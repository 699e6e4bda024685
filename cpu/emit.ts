/**
 * JavaScript-source emitters for the compiled tier (DESIGN.md decision 4).
 *
 * A family module may attach, to a specialised handler, an emitter that
 * writes the same semantics as JavaScript statements with the instruction's
 * operands as constants (register indices, displacement, immediate). The
 * compiled tier pastes those statements into one function per hot block;
 * instructions without an emitter are compiled as a call of their handler.
 * Emitters sit next to their handlers and both tiers run the same tests
 * (unit tests and the native differential harness run every tier).
 *
 * Inside generated code: `c` is the Core, `r` = c.r, `x` = c.x32, `x16` = c.x16, `xb` = c.xu8,
 * `dv` = c.dv, `u8` = c.u8,
 * `cp` = c.codePages, `size` = c.size; fast paths test the range inline and
 * call the access.ts helpers (which fault) only when it fails.
 */
import type { Exec, Insn } from './insn.js';
import { SEG_FS, SEG_GS, SEG_NONE } from './insn.js';
import { type RegCache, narrowCall, syncedCall } from './regcache.js';

export type Emitter = (i: Insn, g: Gen) => string | null;

const emitters = new Map<Exec, Emitter>();

/** Attaches an emitter to a handler. */
export function emit(fn: Exec, e: Emitter): void {
  emitters.set(fn, e);
}
export function emitterFor(fn: Exec): Emitter | undefined {
  return emitters.get(fn);
}

/**
 * The stack slot an emitted push, pop, call or ret reads or writes, relative
 * to rsp before it, and how it moves rsp (stack-window.ts); null: this form
 * moves rsp otherwise (pop rsp).
 */
export interface StackEffect { at: number; delta: number }
const stackEffects = new Map<Exec, (i: Insn) => StackEffect | null>();

/** Declares the implicit stack access of a handler's emitted form. */
export function stackEffect(fn: Exec, e: (i: Insn) => StackEffect | null): void {
  stackEffects.set(fn, e);
}
/** The instruction's implicit stack access when its handler declared one; undefined when it did not. */
export function stackEffectOf(i: Insn): StackEffect | null | undefined {
  const e = stackEffects.get(i.fn);
  return e === undefined ? undefined : e(i);
}

/** The flag-setting operation a previous instruction of the block left in locals (for jcc fusion). */
export interface FlagSource {
  /** KF_* kind and size code. */
  kind: number;
  sz: number;
  /** JS expressions (locals) of operands and result; 64-bit: low halves, with high halves in ah/bh/rh. */
  a: string; b: string; r: string;
  ah: string; bh: string; rh: string;
}

/**
 * Where a store's slow path (the only way it can write to a code page and
 * set c.stop) ends: compile.ts puts the c.stop check there, so the fast
 * path, which cannot set it, does not test it after every store.
 */
export const STOP_MARK = '\u0001S\u0001';

/** Code-generation state for one block. */
export class Gen {
  /**
   * Address of the block. Emitted code never holds an absolute code address
   * as a constant: it writes `B + offset` (B is the running block's address),
   * so the same bytes placed elsewhere (an image exec'd at another base)
   * compile to the same source and share one compiled function.
   */
  base = 0;
  /** Index of the instruction being emitted, and the block's length. */
  k = 0;
  n = 0;
  /**
   * The block ends with a jcc back to its own start and is compiled as a
   * loop: the instructions retired in earlier rounds are in the local `done`.
   */
  loop = false;
  /**
   * The code runs inside a compiled loop's body (returns add `done`) though
   * the instructions being emitted are not the loop's own: a side exit's
   * target inlined into a loop block (compile.ts).
   */
  inLoop = false;
  /**
   * For a jcc leaving the block: the code to run when it is taken (its
   * target's instructions, inlined by compile.ts), instead of leaving; null: leave.
   */
  inline: string | null = null;
  /** True when no later reader can see the flags this instruction writes (skip lazy-flag stores). */
  flagsDead = false;
  /** The lazy-flag statements setFlags emitted for this instruction ('' when none). */
  flagsText = '';
  /**
   * For a jcc: the lazy-flag statements of the instruction before it, which
   * only its exit path needs (compile.ts, FLAGS_AT_EXIT). A side exit that
   * evaluates its condition from that instruction's locals puts them on its
   * taken path and clears this; otherwise they go before the jcc.
   */
  pendingFlags = '';
  /**
   * The local that holds whether the stack window of the run holds (stack-window.ts),
   * when every access of this instruction lies in it; '' otherwise. Access checks
   * start with `win || ...`.
   */
  win = '';
  /**
   * In a trace, the window of the run was tested where the run starts and the
   * trace left there when it did not hold: an access in it needs no test and no
   * slow path (inRam/writable are `true`, load/store emit the fast path alone).
   */
  held = false;
  /** Under a held window: rsp before this instruction less rsp where the run starts (tested 4-aligned there). */
  heldDelta = 0;
  /** A trace's window memos (compile.ts: memoWindow), declared by the trace. */
  memos: string[] = [];
  /** Under a held window: this instruction's memory operand (addr(), bound to v('a')) is 4-aligned. */
  opWord = false;
  /** Set by store emitters: the block must check c.stop after this instruction. */
  stored = false;
  /** Set when the instruction's code calls its handler (which may store anywhere). */
  called = false;
  /** The last flag-setting operation emitted in this block, if its locals are still in scope. */
  flags: FlagSource | null = null;
  /** Set when this instruction's condition was evaluated from a previous instruction's locals (fusion). */
  fused = false;

  /**
   * The block has forward jccs that skip instructions inside it (compile.ts):
   * the local `sk` counts the instructions skipped so far (this round).
   */
  skips = false;
  /** For a jcc that skips inside the block: the index it lands on (-1: none). */
  skipTo = -1;

  /** JS expression of the instructions retired in this round when `count` of them have been passed. */
  count(count: number): string {
    return this.skips ? `(${count} - sk)` : `${count}`;
  }

  /** `return` of `count` instructions retired in this round (plus the earlier rounds of a loop). */
  ret(count: number): string {
    return this.loop || this.inLoop ? `return done + ${this.count(count)};` : `return ${this.count(count)};`;
  }

  /**
   * A call of the instruction's own handler (for slow paths the emitted code
   * does not cover). The Insn comes from the block at run time, not from the
   * function's closure, so one function serves every block with this source
   * (compile.ts: functionFor).
   */
  handler(): string {
    if (this.bail) return `{ c.rip = ${this.abs(this.at)}; ${this.ret(this.k)} }`;
    return this.call();
  }

  /** The call of the instruction's handler, for an instruction without an emitter (or a slow path outside a trace). */
  call(): string {
    const call = this.callText();
    return this.regs === null ? call : syncedCall(call);
  }

  private callText(): string {
    this.called = true;
    const i = this.v('ins');
    return `{ const ${i} = b.all[${this.k}]; ${i}.fn(c, ${i}); }`;
  }

  /**
   * handler() for a handler that reads only the register halves `before`
   * and writes only `after`, and changes nothing before it faults: in hot
   * code only those halves are written back and reloaded around the call.
   */
  narrowHandler(before: number[], after: number[]): string {
    if (this.bail) return this.handler();
    return this.narrowCall(before, after);
  }

  /**
   * call() for a handler that reads only the halves `before` and writes only
   * `after` (a subset of them): in hot code only those go back and are
   * reloaded around it. Also in a trace, where it runs in place (no bail).
   */
  narrowCall(before: number[], after: number[]): string {
    const call = this.callText();
    return this.regs === null ? call : narrowCall(call, before, after);
  }

  /** The halves of the registers i's memory operand names (base, index). */
  addrHalves(i: Insn): number[] {
    const out: number[] = [];
    if (!i.ripRel) {
      if (i.mb >= 0) out.push(i.mb, i.mb + 1);
      if (i.mx >= 0) out.push(i.mx, i.mx + 1);
    }
    return out;
  }

  /**
   * In a trace (trace.ts), an emitter's slow path leaves the trace before
   * the instruction instead of calling its handler in place: the run loop
   * runs it from a block of its own. The trace's source then holds no
   * register write-back and reload per slow path (most of a long trace's
   * text, which V8 compiles the slower and past 60 KB of bytecode not at
   * all). Emitters call handler() only where the instruction has not yet
   * changed anything.
   */
  bail = false;
  /**
   * In a trace, the member's last instruction is the call into the gate that
   * the recording saw (trace.ts): a call emits it without the push the gate
   * would undo (CpuContext.gateRet).
   */
  gateCall = false;
  /** Address of the instruction being emitted (for bail). */
  at = 0;

  /** The block keeps guest registers in locals (regcache.ts): handler calls are marked for it. */
  regs: RegCache | null = null;

  /**
   * A local name unique to this instruction. The underscore keeps it apart from
   * the block's fixed locals (`x16`...) and from other instructions' names.
   */
  v(name: string): string {
    return `${name}_${this.k}`;
  }

  /** JS expression of an absolute address in the block's code (a branch target, a return address, a RIP-relative operand). */
  abs(a: number): string {
    const off = a - this.base;
    return off >= 0 ? `(B + ${off})` : `(B - ${-off})`;
  }

  /** JS expression of i's displacement: for a RIP-relative operand, the absolute address it stands for. */
  disp(i: Insn): string {
    return i.ripRel ? this.abs(i.md) : `${i.md}`;
  }

  /**
   * rsp plus `d` as an address. Under a held window (below 2^31 there:
   * windowExit) its int32 form, which V8 uses as an index without conversion.
   */
  rsp(d: number): string {
    const sum = d === 0 ? '' : d > 0 ? ` + ${d}` : ` - ${-d}`;
    return this.held ? `((r[8]${sum}) | 0)` : `(r[8] >>> 0) + r[9] * 4294967296${sum}`;
  }

  /** JS expression of the effective address of i's memory operand. */
  addr(i: Insn): string {
    const reg64 = (x: number) => `((r[${x}] >>> 0) + r[${x + 1}] * 4294967296)`;
    let e: string;
    // Every access of a held instruction is [rsp + d] (stack-window.ts: covered).
    if (this.held && i.mb === 8 && i.mx < 0 && !i.ripRel && !i.m32 && i.mseg === SEG_NONE) {
      this.opWord = this.stackWord(i.md);
      return this.rsp(i.md);
    }
    if (i.ripRel) {
      e = this.abs(i.md);
    } else if (i.m32) {
      const parts = [`${i.md}`];
      if (i.mb >= 0) parts.push(`(r[${i.mb}] >>> 0)`);
      if (i.mx >= 0) parts.push(`(r[${i.mx}] >>> 0) * ${i.ms}`);
      e = `((${parts.join(' + ')}) >>> 0)`;
    } else {
      const parts: string[] = [];
      if (i.mb >= 0) parts.push(reg64(i.mb));
      if (i.mx >= 0) parts.push(i.ms === 1 ? reg64(i.mx) : `${reg64(i.mx)} * ${i.ms}`);
      if (i.md !== 0 || parts.length === 0) parts.push(`${i.md}`);
      e = parts.join(' + ');
      if (this.regs !== null && (i.mb >= 0 || i.mx >= 0)) {
        // Registers holding addresses below 2^31 (every guest address): the same sum in int32
        // arithmetic, which V8 keeps in machine registers and uses as an index without conversion.
        // Only in hot code (with its registers in locals): the longer source costs compile time.
        const his = [i.mb, i.mx].filter((x) => x >= 0).map((x) => `r[${x + 1}]`).join(' | ');
        const los = [i.mb, i.mx].filter((x) => x >= 0).map((x) => `r[${x}]`).join(' | ');
        const fast: string[] = [];
        if (i.mb >= 0) fast.push(`r[${i.mb}]`);
        if (i.mx >= 0) fast.push(i.ms === 1 ? `r[${i.mx}]` : `r[${i.mx}] * ${i.ms}`);
        if (i.md !== 0) fast.push(`${i.md}`);
        e = `((${his}) === 0 && (${los}) >= 0 ? ${fast.join(' + ')} : ${e})`;
      }
    }
    if (i.mseg === SEG_FS) e = `c.ctx.fsBase + ${e}`;
    else if (i.mseg === SEG_GS) e = `c.ctx.gsBase + ${e}`;
    return e;
  }

  /** Whether [rsp + d] is 4-aligned for sure: under a held window, which tests rsp's alignment where its run starts. */
  stackWord(d: number): boolean {
    return this.held && ((this.heldDelta + d) & 3) === 0;
  }
  /** Whether the address a is 4-aligned for sure: the held operand's local (see opWord). */
  wordAt(a: string): boolean {
    return this.held && this.opWord && a === this.v('a');
  }
  /** Source of the int32 at a + off: through the word view when a is 4-aligned (`word`), else the DataView. */
  get32(a: string, word: boolean, off = 0): string {
    const at = off === 0 ? a : `${a} + ${off}`;
    return word ? `m32[(${at}) >> 2]` : `dv.getInt32(${at}, true)`;
  }
  /** Statement storing the int32 v at a + off, as get32 reads it. */
  set32(a: string, v: string, word: boolean, off = 0): string {
    const at = off === 0 ? a : `${a} + ${off}`;
    return word ? `m32[(${at}) >> 2] = ${v};` : `dv.setInt32(${at}, ${v}, true);`;
  }

  /** Condition: n bytes at a are in RAM above page 0 (true at once inside a holding stack window). */
  inRam(a: string, n: number): string {
    if (this.held) return 'true';
    const t = `${a} >= 4096 && ${a} + ${n} <= size`;
    return this.win === '' ? t : `${this.win} || ${t}`;
  }
  /** Condition: as inRam, and off pages holding decoded code (a store's fast path). */
  writable(a: string, n: number): string {
    if (this.held) return 'true';
    const t = `${a} >= 4096 && ${a} + ${n} <= size && (cp[${a} >>> 12] | cp[(${a} + ${n - 1}) >>> 12]) === 0`;
    return this.win === '' ? t : `${this.win} || ${t}`;
  }

  /** Statements: `const <dst> = <n-byte load at a>` (signed for 4, unsigned for 1 and 2). */
  load(dst: string, a: string, n: 1 | 2 | 4): string {
    const fast = n === 1 ? `u8[${a}]` : n === 2 ? `dv.getUint16(${a}, true)` : `dv.getInt32(${a}, true)`;
    const slow = n === 1 ? 'ld8' : n === 2 ? 'ld16' : 'ld32';
    if (this.held) return `const ${dst} = ${n === 4 ? this.get32(a, this.wordAt(a)) : fast};\n`;
    return `const ${dst} = ${this.inRam(a, n)} ? ${fast} : (c.k = ${this.k}, ${slow}(c, ${a}));\n`;
  }
  /** Statements declaring `<lo>` and `<hi>` from a 64-bit load at a (`word`: a is 4-aligned, as get32). */
  load64(lo: string, hi: string, a: string, word = this.wordAt(a)): string {
    if (this.held) return `const ${lo} = ${this.get32(a, word)}, ${hi} = ${this.get32(a, word, 4)};\n`;
    return `let ${lo}, ${hi};\n` +
      `if (${this.inRam(a, 8)}) { ${lo} = dv.getInt32(${a}, true); ${hi} = dv.getInt32(${a} + 4, true); }\n` +
      `else { c.k = ${this.k}; ${lo} = ld64(c, ${a}); ${hi} = c.hi; }\n`;
  }
  /**
   * Statements loading 16 bytes at a (16-byte aligned when `aligned`) into the
   * locals <dst>_0..<dst>_3; anything unusual (misaligned, out of range) runs the handler instead.
   */
  load128(dst: string, a: string, aligned: boolean): string {
    const ok = aligned ? `(${this.inRam(a, 16)}) && (${a} & 15) === 0` : this.inRam(a, 16);
    if (this.held && !aligned) {
      const w = this.wordAt(a);
      return `const ${dst}_0 = ${this.get32(a, w)}, ${dst}_1 = ${this.get32(a, w, 4)}, ` +
        `${dst}_2 = ${this.get32(a, w, 8)}, ${dst}_3 = ${this.get32(a, w, 12)};\n`;
    }
    return `let ${dst}_0, ${dst}_1, ${dst}_2, ${dst}_3;\n` +
      `if (${ok}) { ${dst}_0 = dv.getInt32(${a}, true); ${dst}_1 = dv.getInt32(${a} + 4, true); ${dst}_2 = dv.getInt32(${a} + 8, true); ${dst}_3 = dv.getInt32(${a} + 12, true); }\n` +
      `else { c.k = ${this.k}; ${this.handler()} }\n`;
  }

  /** Statements storing n bytes of v (64: lo and hi) at a; marks the instruction as storing. */
  store(a: string, n: 1 | 2 | 4 | 8, v: string, hi = '0'): string {
    const fast = n === 1 ? `u8[${a}] = ${v};` : n === 2 ? `dv.setUint16(${a}, ${v}, true);` : n === 4 ? `dv.setInt32(${a}, ${v}, true);`
      : `dv.setInt32(${a}, ${v}, true); dv.setInt32(${a} + 4, ${hi}, true);`;
    if (this.held) {
      const w = this.wordAt(a);
      return n === 4 ? `${this.set32(a, v, w)}\n` : n === 8 ? `${this.set32(a, v, w)} ${this.set32(a, hi, w, 4)}\n` : `${fast}\n`;
    }
    this.stored = true;
    const slow = n === 1 ? `st8(c, ${a}, ${v})` : n === 2 ? `st16(c, ${a}, ${v})` : n === 4 ? `st32(c, ${a}, ${v})` : `st64(c, ${a}, ${v}, ${hi})`;
    return `if (${this.writable(a, n)}) { ${fast} }\n` +
      `else { c.k = ${this.k}; ${slow}; ${STOP_MARK}}\n`;
  }

  /**
   * Lazy-flag statements for an operation (skipped when the flags are dead),
   * and records it for fusion with a following jcc/setcc/cmovcc.
   */
  setFlags(kind: number, sz: number, a: string, b: string, res: string, ah = '0', bh = '0', rh = '0', fc?: string): string {
    this.flags = { kind, sz, a, b, r: res, ah, bh, rh };
    if (this.flagsDead) return '';
    let s = `c.fop = ${kind * 4 + sz}; c.fa = ${a}; c.fb = ${b}; c.fr = ${res};`;
    if (sz === 3) s += ` c.fah = ${ah}; c.fbh = ${bh}; c.frh = ${rh};`;
    if (fc !== undefined) s += ` c.fc = ${fc};`;
    this.flagsText = s + '\n';
    return this.flagsText;
  }
}

/** Names the generated function receives from the engine (see compile.ts). */
export const HELPER_NAMES = ['ld8', 'ld16', 'ld32', 'ld64', 'st8', 'st16', 'st32', 'st64', 'cond', 'getCF', 'setSome', 'badAccess', 'gpFault'] as const;

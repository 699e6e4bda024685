/**
 * Basic blocks and the code cache: blocks keyed by start address, a page ->
 * blocks index for invalidation (DESIGN.md decision 3), and the reference
 * interpreter that runs a block's handlers in order.
 */
import type { Core } from './core.js';
import { FLOW_CONDITIONAL, type Insn } from './insn.js';
import { DOUBLE_ZERO } from './double-field.js';
import type { CodeShape } from './templates.js';

/**
 * Runs a block; returns how many instructions retired (fewer than n when a
 * taken jcc inside the block or c.stop cut it short; more than n when a
 * compiled loop went round) and leaves in c.rip where execution continues.
 */
export type BlockExec = (c: Core, b: Block) => number;

export class Block {
  /** Guest address of the first instruction (compiled code reads it as its base, Gen.base). */
  readonly addr: number = DOUBLE_ZERO;
  /** Address after the last instruction (where a fall-through continues). */
  readonly end: number = DOUBLE_ZERO;
  /** Cleared when the block's code is invalidated; chained links check it. */
  valid = true;
  /** Runs since creation (the compiled tier picks hot blocks). */
  runs = 0;
  /** Arithmetic flags (iced RflagsBits) the block may read before overwriting them; -1 until computed. */
  liveIn = -1;
  /** Up to two successors remembered by address, so the run loop skips the map lookup. */
  next1: Block | null = null;
  next1a = DOUBLE_ZERO;
  next2: Block | null = null;
  next2a = DOUBLE_ZERO;
  readonly n: number;
  /**
   * A trace starting here (trace.ts): the addresses of its blocks, in order,
   * while exec runs it; null for a plain block.
   */
  tb: Float64Array | null = null;
  /** The block's own function and instructions, kept when exec became a trace (recording another trace runs this one). */
  single: BlockExec | null = null;
  singleAll: Insn[] | null = null;
  /** Trace guard misses (a member's successor was not the next member), and traces recorded from here so far. */
  misses = 0;
  traces = 0;
  /**
   * The instructions by the index c.k names: insns, followed in a compiled
   * block by those of the side-exit targets it inlined (compile.ts), and in a
   * trace's head by those of the trace (trace.ts).
   */
  all: Insn[];
  readonly firstPage: number;
  readonly lastPage: number;
  /** The template the block's instructions came from or went into (templates.ts); null: none (its compiles are not remembered). */
  shape: CodeShape | null = null;

  constructor(
    addr: number,
    end: number,
    readonly insns: Insn[],
    public exec: BlockExec,
    /** The block's bytes are [lo, hi) (wider than [addr, end) when it follows a jmp or call, decode.ts). */
    lo = addr,
    hi = end,
  ) {
    // Addresses (-1: none) are double fields whatever number they arrive as (double-field.ts).
    this.addr = addr;
    this.end = end;
    this.next1a = -1;
    this.next2a = -1;
    this.n = insns.length;
    this.all = insns;
    this.firstPage = lo >>> 12;
    this.lastPage = (hi - 1) >>> 12;
  }
}

/** Flags a block may read before overwriting them (everything after it, and after a side exit, counted as reading all). */
export function flagsLiveIn(b: Block): number {
  if (b.liveIn < 0) {
    let live = 0x3f;
    for (let k = b.n - 1; k >= 0; k--) {
      const i = b.insns[k];
      if (k < b.n - 1 && i.flow === FLOW_CONDITIONAL) live = 0x3f;
      live = (live & ~i.fkill) | i.fread;
    }
    b.liveIn = live;
  }
  return b.liveIn;
}

/**
 * The reference interpreter: each handler in order. c.stop ends the block
 * early: 1 after a store to a code page (execution goes on at the next
 * instruction), 2 after a taken jcc (its handler set c.rip).
 */
export const interpret: BlockExec = (c: Core, b: Block): number => {
  const ins = b.insns;
  const n = ins.length;
  for (let k = 0; k < n; k++) {
    const i = ins[k];
    c.k = k;
    i.fn(c, i);
    if (c.stop !== 0) {
      // Execution goes on with the block's next instruction (past a followed call, the callee's first).
      if (c.stop === 1 && k < n - 1) c.rip = ins[k + 1].addr;
      c.stop = 0;
      return k + 1;
    }
  }
  return n;
};

/** Slots of CodeCache's direct-mapped front (a power of two). */
const RECENT_SLOTS = 4096;

export class CodeCache {
  private readonly blocks = new Map<number, Block>();
  private readonly pages = new Map<number, Block[]>();

  /** placed: GuestMemory.placed, forgotten with a page's watch (see there); marks: counts pages becoming watched (GuestMemory.codeMarks). */
  constructor(private readonly codePages: Uint8Array, private readonly placed: Float64Array,
    private readonly marks: { codeMarks: number } = { codeMarks: 0 }) {}

  /**
   * A direct-mapped front for the map (the run loop asks on every dispatch
   * its successor links miss: returns to many call sites, indirect jumps).
   * A slot may hold a block since invalidated or replaced: checked on use.
   */
  private readonly recent: Array<Block | null> = new Array<Block | null>(RECENT_SLOTS).fill(null);

  get(addr: number): Block | undefined {
    const slot = (addr ^ (addr >>> 11)) & (RECENT_SLOTS - 1);
    const r = this.recent[slot];
    if (r !== null && r.addr === addr && r.valid) return r;
    const b = this.blocks.get(addr);
    if (b !== undefined) this.recent[slot] = b;
    return b;
  }

  add(b: Block): void {
    this.blocks.set(b.addr, b);
    for (let p = b.firstPage; p <= b.lastPage; p++) {
      let list = this.pages.get(p);
      if (list === undefined) { list = []; this.pages.set(p, list); }
      list.push(b);
      if (this.codePages[p] === 0) this.marks.codeMarks++;
      this.codePages[p] = 1;
    }
  }

  /** Drops every block with code on page p. */
  invalidatePage(p: number): void {
    const list = this.pages.get(p);
    this.codePages[p] = 0;
    this.placed[p] = 0;
    if (list === undefined) return;
    this.pages.delete(p);
    for (const b of list) {
      if (!b.valid) continue;
      b.valid = false;
      if (this.blocks.get(b.addr) === b) this.blocks.delete(b.addr);
      for (let q = b.firstPage; q <= b.lastPage; q++) {
        if (q === p) continue;
        const other = this.pages.get(q);
        if (other === undefined) continue;
        const kept = other.filter((x) => x !== b);
        if (kept.length === 0) { this.pages.delete(q); this.codePages[q] = 0; this.placed[q] = 0; } else this.pages.set(q, kept);
      }
    }
  }

  /** Drops blocks on every page overlapping [addr, addr + len). */
  invalidate(addr: number, len: number): void {
    if (!(len > 0)) return;
    const first = Math.max(0, Math.floor(addr / 4096));
    const last = Math.floor((addr + len - 1) / 4096);
    for (let p = first; p <= last; p++) {
      if (this.codePages[p] !== 0 || this.pages.has(p)) this.invalidatePage(p);
    }
  }

  /** Also drops b when page p is invalidated (a trace's other blocks' pages). */
  watch(b: Block, p: number): void {
    if (p >= b.firstPage && p <= b.lastPage) return;
    const list = this.pages.get(p);
    if (list === undefined) this.pages.set(p, [b]); else list.push(b);
    if (this.codePages[p] === 0) this.marks.codeMarks++;
    this.codePages[p] = 1;
  }

  get size(): number { return this.blocks.size; }
}

/**
 * The compiled tier (DESIGN.md decision 4): a hot block becomes one
 * JavaScript function.
 *
 * Each instruction whose handler has an emitter (emit.ts) is pasted in as
 * specialised statements with its operands as constants; any other is a call
 * of its handler — the same definition the interpreter runs — from a call
 * site of its own, which V8 can inline.
 *
 * Lazy-flag updates that nothing can read are left out (flag liveness):
 * readers are later instructions of the block that read the lazy state (a
 * jcc/setcc/cmovcc fused with the instruction that set the flags reads that
 * instruction's locals instead), and, after the block, its successors when
 * they are known (direct branch targets and the fall-through) and lie on the
 * block's own pages — any write there invalidates this block too. Otherwise
 * every flag is live at the end. Faulting instructions do not count as
 * readers: a signal context may then show older arithmetic flags, which is
 * harmless because the faulting instruction, when resumed, overwrites them
 * before any read (docs/cpu.md).
 */
import { flagsLiveIn, type Block, type BlockExec } from './block.js';
import { Gen, HELPER_NAMES, STOP_MARK, emitterFor } from './emit.js';
import { accesses, stackWindow, windowCheck, windowExit } from './stack-window.js';
import { FLOW_BRANCH, FLOW_CONDITIONAL, FLOW_NEXT, type Insn } from './insn.js';
import { badAccess, gpFault, ld16, ld32, ld64, ld8, st16, st32, st64, st8 } from './access.js';
import { cond, getCF, setSome } from './flags.js';
import { isDirectJmp, isJcc } from './ops/control.js';
import iced from './iced.js';
import { INLINE_MARK, RegCache } from './regcache.js';
import type { CodeShape } from './templates.js';

const HELPERS: Record<(typeof HELPER_NAMES)[number], unknown> = {
  ld8, ld16, ld32, ld64, st8, st16, st32, st64, cond, getCF, setSome, badAccess, gpFault,
};
/** The helpers, in HELPER_NAMES' order: what every block function's closure holds. */
const HELPER_ARGS: unknown[] = HELPER_NAMES.map((h) => HELPERS[h]);

const ALL_FLAGS = 0x3f;

/** Looks up a decoded block by address (the code cache). */
export type BlockLookup = (addr: number) => Block | undefined;

/** Flags live after the block: what its known successors on the same pages may read. */
export function liveOut(b: Block, lookup: BlockLookup): number {
  const last = b.insns[b.n - 1];
  let targets: number[];
  if (last.flow === FLOW_CONDITIONAL) targets = [last.target, b.end];
  else if (last.flow === FLOW_BRANCH) targets = [last.target];
  else if (last.flow === FLOW_NEXT) targets = [b.end];
  else return ALL_FLAGS;
  let live = 0;
  for (const t of targets) {
    const s = lookup(t);
    if (s === undefined || !s.valid || s.firstPage < b.firstPage || s.lastPage > b.lastPage) return ALL_FLAGS;
    live |= flagsLiveIn(s);
  }
  return live;
}

/** Per instruction, the flags live at its side exit: a jcc inside the block leaves to its target (0 elsewhere). */
export function sideLive(b: Block, lookup: BlockLookup): number[] {
  return b.insns.map((i, k) => {
    if (k === b.n - 1 || i.flow !== FLOW_CONDITIONAL) return 0;
    const s = lookup(i.target);
    return s === undefined || !s.valid || s.firstPage < b.firstPage || s.lastPage > b.lastPage ? ALL_FLAGS : flagsLiveIn(s);
  });
}

/** What becomes of an instruction's lazy-flag update (deadFlags). */
export const FLAGS_STORED = 0, FLAGS_DEAD = 1, FLAGS_AT_EXIT = 2;

/**
 * Backward liveness, per instruction: FLAGS_DEAD when no reader can see the
 * flags it writes; FLAGS_AT_EXIT when the only readers are behind the side
 * exit of the jcc right after it (a compare and branch whose flags the
 * fall-through path overwrites before any read): the update is then stored
 * on that exit's path only (emitInsns), not on every run; FLAGS_STORED
 * otherwise. A jcc that skips forward inside the block (skipTo) also sees
 * what is live where it lands.
 */
export function deadFlags(ins: Insn[], out: number, side: number[], lazyRead: boolean[], skipTo: number[]): number[] {
  const fate: number[] = new Array(ins.length);
  const liveAt: number[] = new Array(ins.length);
  let live = out;
  for (let k = ins.length - 1; k >= 0; k--) {
    const i = ins[k];
    live |= skipTo[k] > 0 ? liveAt[skipTo[k]] : side[k];
    const whole = i.fmod !== 0 && i.fkill === i.fmod;
    if (whole && (i.fkill & live) === 0) fate[k] = FLAGS_DEAD;
    else if (whole && k + 2 < ins.length && isJcc(ins[k + 1]) && skipTo[k + 1] <= 0 && !i.writes &&
      (i.fkill & liveAt[k + 2]) === 0) fate[k] = FLAGS_AT_EXIT;
    else fate[k] = FLAGS_STORED;
    live = (live & ~i.fkill) | (lazyRead[k] ? i.fread : 0);
    liveAt[k] = live;
  }
  return fate;
}

const RDTSC = iced.Code.Rdtsc;

/**
 * Per instruction, the index a forward jcc inside the block lands on when
 * its target is a later instruction of the same block (-1 otherwise): the
 * compiled block then skips the instructions between (`if (!taken) {...}`)
 * instead of leaving through a side exit. Ranges must nest. None in a block
 * with rdtsc, which reads the count from its index.
 */
export function skipTargets(b: Block): number[] {
  const ins = b.insns;
  const n = ins.length;
  const to: number[] = new Array(n).fill(-1);
  if (ins.some((i) => i.code === RDTSC)) return to;
  const index = new Map<number, number>();
  ins.forEach((i, k) => index.set(i.addr, k));
  const open: number[] = [];
  for (let k = 0; k < n - 1; k++) {
    while (open.length > 0 && open[open.length - 1] <= k) open.pop();
    const i = ins[k];
    if (!isJcc(i) || i.target <= i.addr) continue;
    const j = index.get(i.target);
    if (j === undefined || j <= k + 1) continue;
    if (open.length > 0 && j > open[open.length - 1]) continue;
    to[k] = j;
    open.push(j);
  }
  return to;
}

/** The views emitted code may use, as `name = expression` (see emit.ts). */
const VIEWS: ReadonlyArray<readonly [string, string, RegExp]> = ([
  ['B', 'b.addr'], ['r', 'c.r'], ['x', 'c.x32'], ['x16', 'c.x16'], ['xb', 'c.xu8'], ['dv', 'c.dv'], ['m32', 'c.m32'], ['u8', 'c.u8'], ['cp', 'c.codePages'], ['size', 'c.size'],
] as const).map(([name, e]) => [name, e, new RegExp(`(?<![\\w.$])${name}(?![\\w$])`)] as const);

/**
 * Declarations of the views the body uses, and only those: until V8 optimizes
 * a block (a block run a few times per process may never be), each one is a
 * property load on every run.
 */
export function prologue(body: string, without: string[] = []): string {
  const used = VIEWS.filter(([name, , re]) => !without.includes(name) && re.test(body));
  return used.length === 0 ? '' : `const ${used.map(([name, e]) => `${name} = ${e}`).join(', ')};\n`;
}

interface Emitted { body: string; lazyRead: boolean[][]; regs: RegCache | null }

/**
 * A side exit's target compiled into the block: when the jcc at index `at`
 * is taken, `s`'s instructions run in the same function instead of the
 * block returning to the run loop. They take the indices from `off` on (in
 * Block.all), so faults and handler calls find them.
 */
export interface Inlined { at: number; s: Block; off: number }

/** Side exits inlined at most per block, and the longest target inlined (generated code stays small). */
const MAX_INLINED = 4;
const MAX_INLINED_INSNS = 64;

export const hasRdtsc = (b: Block): boolean => b.insns.some((i) => i.code === RDTSC);

/**
 * The side exits of b whose targets are inlined: a target already decoded
 * (so it has run), on b's own pages (a write there invalidates b with it),
 * not b itself, not a loop (its own compiled loop does better), short, and
 * without rdtsc (which counts by its index in its own block).
 */
export function inlineTargets(b: Block, lookup: BlockLookup, skipTo: number[], at0 = 0, exclude = -1): Inlined[] {
  const out: Inlined[] = [];
  if (hasRdtsc(b)) return out;
  let off = at0 + b.n;
  for (let k = 0; k < b.n - 1 && out.length < MAX_INLINED; k++) {
    const i = b.insns[k];
    if (!isJcc(i) || skipTo[k] > 0 || i.target === exclude) continue;
    const s = lookup(i.target);
    if (s === undefined || !s.valid || s === b || s.n > MAX_INLINED_INSNS) continue;
    if (s.firstPage < b.firstPage || s.lastPage > b.lastPage || isLoop(s) || hasRdtsc(s)) continue;
    out.push({ at: k, s, off });
    off += s.n;
  }
  return out;
}

/**
 * Emits instructions ins as indices off.. of the function (g.n set by the
 * caller): each as its emitter's statements or a call of its handler, with
 * forward skips (skipTo, indices into ins) nested as blocks, a c.stop check
 * after stores, and at a jcc listed in `inlined` that code for its taken path.
 */
/**
 * A trace's window test (`test`, leaving when the window does not hold),
 * run only when rsp is not the one it last held for (the local `name`,
 * NaN until then; Gen.memos): in a loop the stack pointer at a member is
 * the same every round, and the test's seven comparisons and two loads
 * become one comparison. What else it depends on is fixed (the memory's
 * size) or changes only in a system call (watched pages: the trace forgets
 * its memos when GuestMemory.codeMarks moved, trace.ts).
 */
function memoWindow(g: Gen, name: string, test: string): string {
  g.memos.push(name);
  return `if (r[8] !== ${name} || r[9] !== 0) {\n${test}${name} = r[8];\n}\n`;
}

export function emitInsns(g: Gen, ins: Insn[], off: number, fate: number[], skipTo: number[], inlined: Map<number, string>,
  lazyRead: boolean[]): string {
  const n = ins.length;
  // Skipped ranges still open (their end indices, innermost last).
  const open: number[] = [];
  let body = '';
  // Hot code (registers in locals) tests the run's stack accesses once (stack-window.ts). In a trace
  // one access is enough: the test costs what the access's own would, and held accesses are cheaper.
  const win = g.regs !== null ? stackWindow(ins, skipTo, g.bail ? 1 : 2) : null;
  const winName = `sw_${off}`;
  if (win !== null && g.regs !== null) {
    // In a trace a window that does not hold leaves it where the run starts (the blocks test each
    // access themselves), so the accesses it covers are emitted without tests or slow paths.
    const check = g.bail ? memoWindow(g, `w_${off}`, windowExit(win, `{ c.rip = ${g.abs(ins[0].addr)}; ${g.ret(off)} }`))
      : windowCheck(win, winName);
    body += g.regs.instr(check, null);
  }
  // The lazy-flag statements of the instruction before, left for the jcc after it (FLAGS_AT_EXIT).
  let pending = '';
  for (let j = 0; j < n; j++) {
    const i = ins[j];
    const k = off + j;
    while (open.length > 0 && open[open.length - 1] === j) {
      open.pop();
      body += '}\n';
      // Two paths join here: no flag source's locals are in scope for both.
      g.flags = null;
    }
    g.k = k;
    g.at = i.addr;
    g.skipTo = skipTo[j] > 0 ? off + skipTo[j] : -1;
    g.flagsDead = fate[j] === FLAGS_DEAD;
    g.flagsText = '';
    g.stored = false;
    g.called = false;
    g.fused = false;
    g.win = win !== null && win.covered[j] ? winName : '';
    g.held = g.win !== '' && g.bail && accesses(i);
    g.heldDelta = g.held && win !== null ? win.delta[j] : 0;
    g.opWord = false;
    const inl = inlined.get(j) ?? null;
    g.inline = inl !== null && g.regs !== null ? INLINE_MARK : inl;
    // The update the instruction before left for this jcc's exit path (the emitter takes it there).
    g.pendingFlags = pending;
    pending = '';
    const before = g.flags;
    if (i.fmod !== 0) g.flags = null;
    const e = emitterFor(i.fn);
    let code = e ? e(i, g) : null;
    if (code === null) {
      // not specialised: call the handler
      g.flags = i.fmod !== 0 ? null : before;
      g.fused = false;
      code = (i.mayFault ? `c.k = ${k};\n` : '') + g.call() + '\n';
      g.stored = i.writes;
    }
    // Not taken onto an exit path: the update goes before the instruction.
    if (g.pendingFlags !== '') code = g.pendingFlags + code;
    g.pendingFlags = '';
    if (fate[j] === FLAGS_AT_EXIT && !g.called && !g.flagsText.includes('[')) {
      // Left for the next jcc's exit when nothing after it in this instruction's code can leave
      // (and it names only this instruction's locals, no register a later rewrite would rename).
      const at = g.flagsText === '' ? -1 : code.indexOf(g.flagsText);
      const rest = at < 0 ? '' : code.slice(at + g.flagsText.length);
      if (at >= 0 && !/\breturn\b/.test(rest) && !rest.includes(STOP_MARK)) {
        pending = g.flagsText;
        code = code.slice(0, at) + rest;
      }
    }
    if (g.regs !== null) code = g.regs.instr(code, inl);
    g.inline = null;
    lazyRead[j] = i.fread !== 0 && !g.fused;
    const stop = j < n - 1 ? `if (c.stop !== 0) { c.stop = 0; c.rip = ${g.abs(ins[j + 1].addr)}; ${g.ret(k + 1)} }\n` : '';
    // Only a store's slow path can set c.stop, unless the handler runs: when that store ends the
    // instruction, check there rather than after every run of its fast path.
    const marked = !g.called && code.split(STOP_MARK).length === 2 && code.trimEnd().endsWith(`${STOP_MARK}}`);
    if (code.includes(STOP_MARK)) code = code.split(STOP_MARK).join(marked ? stop : '');
    body += `// ${k}: +${i.addr - g.base}\n${code}`;
    if (skipTo[j] > 0) open.push(skipTo[j]);
    if (g.stored && !marked) body += stop;
  }
  g.win = '';
  g.held = false;
  return body;
}

/**
 * The block's function body. lazy[0] (b) and lazy[1..] (the inlined
 * targets): which instructions read the lazy flag state, from a first pass
 * (undefined: every flag reader), for the flag liveness of the second.
 */
function emitBlock(b: Block, lookup: BlockLookup, inl: Inlined[], lazy: boolean[][] | null, regs: boolean): Emitted {
  const lazyRead: boolean[][] = [];
  const readers = (x: Block, at: number): boolean[] => lazy?.[at] ?? x.insns.map((i) => i.fread !== 0);
  const g = new Gen();
  g.base = b.addr;
  g.regs = regs ? new RegCache() : null;
  const loop = isLoop(b);
  const skipTo = skipTargets(b);
  g.skips = skipTo.some((j) => j > 0) || inl.length > 0;
  const inlined = emitInlined(g, inl, lookup, (s, x) => readers(s, x + 1), lazyRead, 1, loop, 0,
    () => `c.stop = 0;\n${g.ret(g.n)}\n`);
  const n = b.n;
  g.loop = loop;
  g.inLoop = false;
  g.n = n;
  g.flags = null;
  const dead = deadFlags(b.insns, liveOut(b, lookup), sideLive(b, lookup), readers(b, 0), skipTo);
  lazyRead[0] = new Array(n);
  let body = emitInsns(g, b.insns, 0, dead, skipTo, inlined, lazyRead[0]);
  const last = b.insns[n - 1];
  if (g.loop && !isJcc(last) && !isDirectJmp(last)) {
    // It falls through to its own start: every pass round the end goes round again.
    body += `c.stop = 0;\ndone += ${g.count(n)}; c.tscBase += ${g.count(n)}; if (done < c.left) continue; c.rip = ${g.abs(b.addr)}; return done;\n`;
  } else body += `c.stop = 0;\n${g.ret(n)}`;
  if (g.loop) {
    // A fault in a later round: the run loop adds the rounds before it (c.loopDone), less what this round skipped.
    body = g.skips
      ? `let done = 0, sk = 0;\ntry {\nfor (;;) {\nsk = 0;\n${body}\n}\n} catch (e) { c.loopDone = done - sk; throw e; }`
      : `let done = 0;\ntry {\nfor (;;) {\n${body}\n}\n} catch (e) { c.loopDone = done; throw e; }`;
  } else if (g.skips) {
    // c.k is the faulting instruction's index; the instructions skipped before it did not retire.
    body = `let sk = 0;\ntry {\n${body}\n} catch (e) { c.loopDone = -sk; throw e; }`;
  }
  return { body, lazyRead, regs: g.regs };
}

/**
 * The code of inlined side-exit targets, by the index of their jcc in its
 * block (for emitInsns). Each runs where its side exit would have returned,
 * so it counts what the block ran before (sk: the instructions between the
 * jcc and the target's first index did not run) and falls through to its
 * own end, then `tail`. `at0`: the index of the block's first instruction;
 * readers(s, x) and lazyRead[lazyAt + x]: the x-th target's flag readers (compileBlock).
 */
export function emitInlined(g: Gen, inl: Inlined[], lookup: BlockLookup, readers: (s: Block, x: number) => boolean[],
  lazyRead: boolean[][], lazyAt: number, inLoop: boolean, at0: number, tail: () => string): Map<number, string> {
  const inlined = new Map<number, string>();
  inl.forEach(({ at, s, off }, x) => {
    const sSkip = skipTargets(s);
    const dead = deadFlags(s.insns, liveOut(s, lookup), sideLive(s, lookup), readers(s, x), sSkip);
    g.loop = false;
    g.inLoop = inLoop;
    g.n = off + s.n;
    g.flags = null;
    const read: boolean[] = new Array(s.n);
    const code = emitInsns(g, s.insns, off, dead, sSkip, new Map(), read);
    lazyRead[lazyAt + x] = read;
    inlined.set(at, `sk += ${off - at0 - at - 1}; c.rip = ${g.abs(s.end)};\n${code}${tail()}`);
  });
  return inlined;
}

/**
 * A block whose last instruction is a jcc, or a direct jmp (a `while` loop's
 * back edge), back to its own start: compiled, it goes round inside its
 * function (a string or a checksum loop costs one dispatch instead of one
 * per round) until the jcc falls through, a side exit or a store to code
 * leaves, or the run's budget (c.left) is spent.
 */
export function isLoop(b: Block): boolean {
  const last = b.insns[b.n - 1];
  if (isJcc(last) || isDirectJmp(last)) return last.target === b.addr && emitterFor(last.fn) !== undefined;
  // A block that followed a jmp back to a loop's head and stopped where it started.
  return last.flow === FLOW_NEXT && b.end === b.addr;
}

/**
 * The block's function. `hot`: it has kept running, so its registers go in
 * locals (regcache.ts); otherwise only a loop block's do. A compile of a
 * block with a shape (templates.ts) is remembered and serves the next block
 * of that shape whose surroundings look the same (see Remembered).
 */
export function compileBlock(b: Block, lookup: BlockLookup = () => undefined, hot = true): BlockExec {
  const shape = b.shape;
  if (shape === null) return compileFresh(b, lookup, hot).f;
  const page = b.addr & 0xfff;
  const list = remembered.get(shape);
  if (list !== undefined) {
    for (const m of list) {
      if (m.hot !== hot || m.page !== page || !sameSurroundings(m, b, lookup)) continue;
      b.all = m.inlined.length === 0 ? b.insns : b.insns.concat(...m.inlined.map((rel) => (lookup(b.addr + rel) as Block).insns));
      compileMemoStats.hits++;
      blockFunctionStats.reused++;
      // The function stays the one of its source (functionFor), also after the source map let it go.
      m.f = keep(m.src, m.f);
      return m.f;
    }
  }
  // Every lookup the compile makes, by address relative to b: what it found decides the source.
  const seen = new Map<number, Seen>();
  let known = true;
  const watched: BlockLookup = (a) => {
    const s = lookup(a);
    const live = s !== undefined && s.valid;
    if (live && s.shape === null) known = false;
    seen.set(a - b.addr, { shape: live ? s.shape : null, self: s === b });
    return s;
  };
  const { f, inl, src } = compileFresh(b, watched, hot);
  compileMemoStats.misses++;
  if (known) {
    const m: Remembered = { hot, page, seen: [...seen], inlined: inl.map((x) => x.s.addr - b.addr), src, f };
    if (list === undefined) remembered.set(shape, [m]);
    else {
      list.push(m);
      if (list.length > REMEMBERED_PER_SHAPE) list.shift();
    }
  }
  return f;
}

/** What a compile's lookup found at one address: the shape of a valid block there (null: none), and whether it was the block itself. */
interface Seen { shape: CodeShape | null; self: boolean }

/**
 * A compile kept for the blocks of one shape. Its source is a function of
 * the block's instructions (the shape: the same up to addresses, and
 * emitted code holds no address, Gen.base), its page offset (the function's
 * name; which blocks share its pages), the tier, and what the lookups of
 * its successors and side-exit targets found (flag liveness, inlined
 * targets): each of those, by address relative to the block, must find a
 * block of the same shape again (or again none). Then the same source would
 * be emitted, and its function is reused without emitting it: a new kernel
 * of the process (each test and benchmark boots one), or an image placed at
 * another base, compiles its hot blocks for the cost of a few lookups.
 */
interface Remembered {
  hot: boolean;
  page: number;
  seen: Array<[number, Seen]>;
  /** The inlined targets' addresses relative to the block, in their order in b.all. */
  inlined: number[];
  /** The function's source (the key of functionFor's map) and the function. */
  src: string;
  f: BlockExec;
}

const remembered = new WeakMap<CodeShape, Remembered[]>();
/** Surroundings kept per shape (a block compiled in more than one neighbourhood), oldest dropped first. */
const REMEMBERED_PER_SHAPE = 4;
/** Diagnostics: compiles served by a remembered one (counted in blockFunctionStats.reused too), and compiles of a block with a shape that emitted source. */
export const compileMemoStats = { hits: 0, misses: 0 };

function sameSurroundings(m: Remembered, b: Block, lookup: BlockLookup): boolean {
  for (const [rel, want] of m.seen) {
    const s = lookup(b.addr + rel);
    const live = s !== undefined && s.valid;
    if ((live ? s.shape : null) !== want.shape || (s === b) !== want.self) return false;
  }
  return true;
}

/** compileBlock without the memory of earlier compiles; also returns the side-exit targets it inlined. */
function compileFresh(b: Block, lookup: BlockLookup, hot: boolean): { f: BlockExec; inl: Inlined[]; src: string } {
  const inl = inlineTargets(b, lookup, skipTargets(b));
  // First pass finds which flag reads fusion serves; the second drops the updates only they needed.
  const first = emitBlock(b, lookup, inl, null, false);
  let emitted = emitBlock(b, lookup, inl, first.lazyRead, hot || isLoop(b));
  // Registers in locals unless the rewrite met code it cannot follow (regcache.ts).
  if (emitted.regs !== null && !emitted.regs.ok) emitted = emitBlock(b, lookup, inl, first.lazyRead, false);
  b.all = inl.length === 0 ? b.insns : b.insns.concat(...inl.map((x) => x.s.insns));
  const inner = emitted.regs !== null ? emitted.regs.finish(emitted.body) : emitted.body;
  const body = prologue(inner) + inner;
  // No absolute address in the source (see Gen.base) and no Insn in the closure (Gen.handler): the same
  // code at another page-aligned base, or in another Cpu, runs the same function. The name keeps the
  // page offset, for profiles.
  const src = `return function block_p${(b.addr & 0xfff).toString(16)}(c, b) {\n${body}\n};`;
  return { f: functionFor(src), inl, src };
}

/**
 * Compiled block functions by their source, for the whole process (most
 * recently used last). Every block with the same code — compiled again by
 * another Cpu of this process (each test and benchmark run boots its own
 * kernel), after an exec placed the image elsewhere, or after its page was
 * rewritten with the same bytes — runs the same function object. V8's type
 * feedback and optimized code then carry over with certainty: a new closure
 * of a shared literal would instead start unoptimized whenever the last
 * closure holding that code had been collected, so each new kernel warmed
 * up again. The source holds every constant and the function reads its
 * block (Insns, base address) from its argument, so sharing changes
 * nothing but speed.
 */
const functions = new Map<string, BlockExec>();
let functionChars = 0;
/** Diagnostics: functions made, and compiles that found theirs already made. */
export const blockFunctionStats = { made: 0, reused: 0 };
/** Source text kept for the functions (a few thousand blocks). */
const FUNCTION_CHARS = 16 << 20;

export function functionFor(src: string): BlockExec {
  const f = functions.get(src);
  if (f !== undefined) {
    functions.delete(src);
    functions.set(src, f);
    blockFunctionStats.reused++;
    return f;
  }
  blockFunctionStats.made++;
  return keep(src, (new Function(...HELPER_NAMES, src) as (...helpers: unknown[]) => BlockExec)(...HELPER_ARGS));
}

/** The function of src: the one the map holds (made most recently used), else f, kept from now on. */
function keep(src: string, f: BlockExec): BlockExec {
  const had = functions.get(src);
  if (had !== undefined) {
    functions.delete(src);
    functions.set(src, had);
    return had;
  }
  functions.set(src, f);
  functionChars += src.length;
  for (const [k] of functions) {
    if (functionChars <= FUNCTION_CHARS) break;
    functions.delete(k);
    functionChars -= k.length;
  }
  return f;
}

/** The generated source of a block (diagnostics and tests). */
export function blockSource(b: Block, lookup?: BlockLookup): string {
  return compileBlock(b, lookup).toString();
}

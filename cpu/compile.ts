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
import { Gen, HELPER_NAMES, emitterFor } from './emit.js';
import { FLOW_BRANCH, FLOW_CONDITIONAL, FLOW_NEXT, type Insn } from './insn.js';
import { badAccess, gpFault, ld16, ld32, ld64, ld8, st16, st32, st64, st8 } from './access.js';
import { cond, getCF } from './flags.js';
import { codes } from './registry.js';

const HELPERS: Record<(typeof HELPER_NAMES)[number], unknown> = {
  ld8, ld16, ld32, ld64, st8, st16, st32, st64, cond, getCF, badAccess, gpFault,
};

const ALL_FLAGS = 0x3f;

/** Looks up a decoded block by address (the code cache). */
export type BlockLookup = (addr: number) => Block | undefined;

/** Flags live after the block: what its known successors on the same pages may read. */
function liveOut(b: Block, lookup: BlockLookup): number {
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

/** Backward liveness: dead[k] = no reader can see the flags instruction k writes. */
function deadFlags(ins: Insn[], out: number, lazyRead: boolean[]): boolean[] {
  const dead: boolean[] = new Array(ins.length);
  let live = out;
  for (let k = ins.length - 1; k >= 0; k--) {
    const i = ins[k];
    dead[k] = i.fmod !== 0 && i.fkill === i.fmod && (i.fkill & live) === 0;
    live = (live & ~i.fkill) | (lazyRead[k] ? i.fread : 0);
  }
  return dead;
}

interface Emitted { body: string; params: string[]; args: unknown[]; lazyRead: boolean[] }

/** How a block's code leaves: the plain form returns; a region (compileRegion) goes on to its next block. */
interface Exits {
  /** After instruction k stored into a code page (c.stop): leave with k + 1 instructions of this block retired. */
  early(k: number): string;
  /** After the last instruction. */
  end: string;
}

const PLAIN: Exits = {
  early: (k) => `return ${k + 1};`,
  end: '',
};

/** Emits a block's statements; `tag` keeps its handler parameters apart from other blocks' in one function. */
function emitBlock(b: Block, dead: boolean[], tag = '', exits: Exits = PLAIN): Emitted {
  const ins = b.insns;
  const n = ins.length;
  const params: string[] = [];
  const args: unknown[] = [];
  const lazyRead: boolean[] = new Array(n);
  const g = new Gen();
  g.tag = tag;
  let body = '';
  for (let k = 0; k < n; k++) {
    const i = ins[k];
    g.k = k;
    g.flagsDead = dead[k];
    g.stored = false;
    g.self = false;
    g.fused = false;
    const before = g.flags;
    if (i.fmod !== 0) g.flags = null;
    const e = emitterFor(i.fn);
    let code = e ? e(i, g) : null;
    if (code === null) {
      // not specialised: call the handler
      g.flags = i.fmod !== 0 ? null : before;
      g.fused = false;
      code = (i.mayFault ? `c.k = ${k};\n` : '') + g.handler() + '\n';
      g.stored = i.writes;
    }
    lazyRead[k] = i.fread !== 0 && !g.fused;
    if (g.self) {
      params.push(`i${tag}${k}`, `f${tag}${k}`);
      args.push(i, i.fn);
    }
    body += `// ${k}: 0x${i.addr.toString(16)}\n${code}`;
    if (g.stored && k < n - 1) body += `if (c.stop !== 0) { c.stop = 0; ${exits.early(k)} }\n`;
  }
  body += `c.stop = 0;\n${exits.end}`;
  return { body, params, args, lazyRead };
}

/** The block's statements with dead lazy-flag updates left out (two passes: see below). */
function blockCode(b: Block, lookup: BlockLookup, tag = '', exits: Exits = PLAIN): Emitted {
  const out = liveOut(b, lookup);
  // First pass finds which flag reads fusion serves; the second drops the updates only they needed.
  const first = emitBlock(b, deadFlags(b.insns, out, b.insns.map((i) => i.fread !== 0)), tag, exits);
  return emitBlock(b, deadFlags(b.insns, out, first.lazyRead), tag, exits);
}

const PROLOGUE = 'const r = c.r, x = c.x32, x16 = c.x16, xb = c.xu8, dv = c.dv, u8 = c.u8, cp = c.codePages, size = c.size;\n';

function build(name: string, params: string[], args: unknown[], body: string): BlockExec {
  const factory = new Function(...HELPER_NAMES, ...params, `return function ${name}(c, b, left) {\n${body}\n};`) as
    (...a: unknown[]) => BlockExec;
  return factory(...HELPER_NAMES.map((h) => HELPERS[h]), ...args);
}

export function compileBlock(b: Block, lookup: BlockLookup = () => undefined): BlockExec {
  const { body, params, args } = blockCode(b, lookup);
  return build(`block_${b.addr.toString(16)}`, params, args, `${PROLOGUE}${body}return ${b.n};`);
}

const RDTSC = codes('Rdtsc')[0];

/**
 * A region: the head block and blocks reachable from it by static edges
 * (branch targets, fall-throughs, call targets and return sites), compiled
 * into one function that goes from block to block without returning to the
 * run loop. It keeps the run loop's rules: it leaves at a block boundary once
 * `left` instructions retired (the budget), at any address outside the
 * region (page 0 included), when an instruction requests an exit (c.exit)
 * and after a store into a code page (c.stop). It always leaves c.rip set
 * and c.lastBlock naming the block it ran last; a fault leaves c.faultBlock
 * and c.faultBase (instructions retired in the region before that block).
 */
export function compileRegion(blocks: Block[], lookup: BlockLookup = () => undefined): BlockExec {
  const params: string[] = ['$B'];
  const args: unknown[] = [blocks];
  let cases = '';
  let dispatch = '';
  let rdtsc = false;
  blocks.forEach((b, j) => {
    const exits: Exits = {
      early: (k) => `c.rip = ${b.insns[k].next}; c.lastBlock = $B[${j}]; return $n + ${k + 1};`,
      end: `$n += ${b.n};\nbreak;\n`,
    };
    const e = blockCode(b, lookup, `${j}_`, exits);
    params.push(...e.params);
    args.push(...e.args);
    const tsc = b.insns.some((i) => i.code === RDTSC);
    rdtsc ||= tsc;
    cases += `case ${j}: {\nc.rip = ${b.end};\n${tsc ? 'c.tscBase = $tsc0 + $n;\n' : ''}${e.body}}\n`;
    dispatch += `case ${b.addr}: $j = ${j}; break;\n`;
  });
  // $-names cannot meet the emitters' locals (name_k) or the prologue's.
  const body = `${PROLOGUE}${rdtsc ? 'const $tsc0 = c.tscBase;\n' : ''}let $n = 0, $j = 0;
try {
  for (;;) {
    switch ($j) {
${cases}    }
    if (c.exit !== 0 || $n >= left) { c.lastBlock = $B[$j]; return $n; }
    switch (c.rip) {
${dispatch}    default: c.lastBlock = $B[$j]; return $n;
    }
  }
} catch ($e) {
  c.faultBlock = $B[$j];
  c.faultBase = $n;
  throw $e;
}`;
  return build(`region_${blocks[0].addr.toString(16)}`, params, args, body);
}

/** The generated source of a block (diagnostics and tests). */
export function blockSource(b: Block, lookup?: BlockLookup): string {
  return compileBlock(b, lookup).toString();
}

/**
 * Traces: a hot block and the blocks that ran after it, compiled as one
 * function (DESIGN.md decision 4, docs/cpu.md).
 *
 * A compiled block returns to the run loop at every branch, call and return,
 * and each of those dispatches costs more than the few instructions most
 * blocks hold (a getpid round trip runs 5 blocks of 19 instructions in all).
 * Once a block has run HOTTER times the run loop records the blocks that
 * actually follow it (cpu.ts) — through system calls the gate lets user code
 * go on from — until a block seen before in the recording, a loop block,
 * MAX_MEMBERS or MAX_TRACE_INSNS; the head's function becomes the trace:
 * each member's instructions as compileBlock emits them (with their inlined
 * side-exit targets), the guest registers in locals across all of them, and
 * between two members a guard that leaves (returning what retired) unless
 * execution went on at the next member's address. A recorded system call is
 * a call of Core.sys, which counts and runs the gate as the run loop does.
 * A trace that came back to its head goes round inside its function, as a
 * loop block does: a benchmark's whole getpid loop runs without leaving it.
 * Only such loops through the gate are kept (Cpu.traceAll): elsewhere the
 * separate blocks measured faster.
 *
 * The source holds no absolute address: each member's code is relative to
 * its own start, read from the head's `tb` (member addresses), so a trace
 * through an executable and its libc is the same function wherever an exec
 * placed them. Its instructions (c.k names them for faults and handler
 * calls) are the head's own `all`, which the head's own function indexes,
 * then each member's with its inlined targets; `sk` starts each round at the
 * length of the head's part. The head is dropped with any member's page
 * (CodeCache.watch), and records again after MISSES guard misses.
 */
import type { Block, BlockExec } from './block.js';
import type { Insn } from './insn.js';
import {
  type BlockLookup, deadFlags, emitInlined, emitInsns, functionFor, hasRdtsc, inlineTargets, isLoop, liveOut, prologue, sideLive,
  skipTargets,
} from './compile.js';
import { R11, RAX, RCX, RSP } from './context.js';
import { Gen } from './emit.js';
import { isJcc } from './ops/control.js';
import { RegCache, gateCall } from './regcache.js';
import { PAGE_SIZE } from '../trampoline/layout.js';

/** Core.sys's answer when user code goes on (cpu.ts GATE_CONTINUE; not imported: cpu.ts imports this module). */
const GATE_CONTINUE = 1;
/**
 * The register halves a gate call the trace goes on from may change: rax
 * (the result), rcx and r11 (as `syscall` leaves them), and rsp when the
 * call took its handler's slow path, which pushes, and the gate popped.
 */
const GATE_CHANGES = [2 * RAX, 2 * RAX + 1, 2 * RCX, 2 * RCX + 1, 2 * RSP, 2 * RSP + 1, 2 * R11, 2 * R11 + 1];

/** Blocks per trace, and instructions (generated code stays small enough to optimize quickly). */
export const MAX_MEMBERS = 16;
export const MAX_TRACE_INSNS = 256;
/**
 * Source characters per trace: V8 does not optimize a function past about
 * 60 KB of bytecode, and one that big would take 100 ms or more to compile
 * (a trace of 256 instructions with handler calls in slow paths came to
 * 280 KB and ran in the interpreter: busybox sort 3-4x slower). The getpid
 * loop's trace is 7 KB, syscall(2)'s 14 KB.
 */
const MAX_TRACE_CHARS = 32_000;

/**
 * Guard misses after which a trace is recorded again from its head (the
 * first recording may have followed a path that stopped being the common
 * one: a warm-up loop, the first pass of a parser), and how many times.
 */
const MISSES = 256;
export const MAX_TRACES = 8;

/** Whether b may be a trace's member: loop blocks keep their own loop, and rdtsc counts by its index in its block. */
export function traceable(b: Block): boolean {
  return b.valid && !isLoop(b) && !hasRdtsc(b);
}

interface Emitted { body: string; lazyRead: boolean[][]; regs: RegCache | null; all: Insn[]; memos: string[] }

/** Where a gate call's code forgets the window memos (traceSource fills it in once they are all known). */
const FORGET_MEMOS = '/*forget memos*/';

function emitTrace(members: Block[], gates: boolean[], loop: boolean, lookup: BlockLookup, lazy: boolean[][] | null,
  regs: boolean, rerecord: number): Emitted {
  const g = new Gen();
  g.regs = regs ? new RegCache() : null;
  g.bail = true;
  // Returns add the earlier rounds (`done`); the emitters' own loop forms (g.loop) stay off.
  g.loop = false;
  g.inLoop = loop;
  // `all` starts with the head's own instructions (its own function indexes them); the trace's
  // come after, so each round starts with sk at that length: count(k) = k - sk.
  const own = members[0].singleAll ?? members[0].all;
  const all: Insn[] = own.slice();
  g.skips = true;
  const lazyRead: boolean[][] = [];
  const readers = (x: Block, at: number): boolean[] => lazy?.[at] ?? x.insns.map((i) => i.fread !== 0);
  let slot = 0;
  let body = '';
  const miss = `if (++b.misses === ${MISSES}) b.runs = ${rerecord}; `;
  members.forEach((m, x) => {
    const at0 = all.length;
    const skipTo = skipTargets(m);
    // The next member's address (the head's, closing a loop): a side exit there goes on to it
    // (not past a system call: the next member comes after the gate).
    const to = gates[x] ? -1 : x < members.length - 1 ? members[x + 1].addr : loop ? members[0].addr : -1;
    const inl = inlineTargets(m, lookup, skipTo, at0, to);
    const inlInsns = inl.reduce((t, i) => t + i.s.n, 0);
    const next = at0 + m.n + inlInsns;
    all.push(...m.insns);
    for (const i of inl) all.push(...i.s.insns);
    g.base = m.addr;
    const label = `t${x}`;
    // An inlined target's end joins the member's: both go on to the guard, with what they skipped counted.
    const inlined = emitInlined(g, inl, lookup, (s, k) => readers(s, slot + 1 + k), lazyRead, slot + 1, loop, at0,
      () => `sk += ${next - g.n}; break ${label};\n`);
    m.insns.forEach((i, k) => {
      if (k < m.n - 1 && isJcc(i) && skipTo[k] < 0 && i.target === to) {
        inlined.set(k, `c.rip = ${g.abs(to)}; sk += ${next - (at0 + k + 1)}; break ${label};\n`);
      }
    });
    g.loop = false;
    g.inLoop = loop;
    g.n = at0 + m.n;
    g.flags = null;
    const dead = deadFlags(m.insns, liveOut(m, lookup), sideLive(m, lookup), readers(m, slot), skipTo);
    const read: boolean[] = new Array(m.n);
    g.gateCall = gates[x];
    const code = emitInsns(g, m.insns, at0, dead, skipTo, inlined, read);
    g.gateCall = false;
    lazyRead[slot] = read;
    slot += 1 + inl.length;
    body += `// member ${x}\nB = tb[${x}]; c.rip = ${g.abs(m.end)};\n`;
    body += inlined.size === 0 ? code : `${label}: {\n${code}sk += ${inlInsns};\n}\n`;
    if (gates[x]) {
      // Into the trampoline, as recorded: the gate counts what ran so far, and counting starts again after it.
      body += `if (c.rip >= ${PAGE_SIZE} || (c.stop | c.exit) !== 0) { c.stop = 0; ${miss}${g.ret(next)} }\n`;
      const call = `const gt_${x} = c.sys(${loop ? 'done + ' : ''}${g.count(next)});`;
      // The kernel may have written to (or unmapped) a member's code: the head is then invalid.
      const leave = `\nif (gt_${x} !== ${GATE_CONTINUE} || !b.valid) return 0;\n`;
      // A call the gate lets the trace go on from changed no register but those of GATE_CHANGES (Cpu.gate).
      body += g.regs !== null ? g.regs.instr(gateCall(call, leave, GATE_CHANGES), null) : call + leave;
      body += `\nsk = ${next};${loop ? ' done = 0;' : ''}\n${FORGET_MEMOS}\n`;
    }
    if (x < members.length - 1) {
      body += `if (c.rip !== tb[${x + 1}] || (c.stop | c.exit) !== 0) { c.stop = 0; ${miss}${g.ret(next)} }\n`;
    } else {
      if (loop) body += `if (c.rip === tb[0] && (c.stop | c.exit) === 0 && done + ${g.count(next)} < c.left) { done += ${g.count(next)}; continue; }\n`;
      body += `c.stop = 0;\n${g.ret(next)}`;
    }
  });
  body = loop
    ? `let done = 0, sk = 0;\ntry {\nfor (;;) {\nsk = ${own.length};\n${body}\n}\n} catch (e) { c.loopDone = done - sk; throw e; }`
    : `let sk = ${own.length};\ntry {\n${body}\n} catch (e) { c.loopDone = -sk; throw e; }`;
  return { body, lazyRead, regs: g.regs, all, memos: g.memos };
}

/**
 * The source of the trace of members (members[0] the head, each the block
 * that ran after the one before); `loop`: the last one went on at the head.
 */
function traceSource(members: Block[], gates: boolean[], loop: boolean, lookup: BlockLookup, rerecord: number):
  { src: string; all: Insn[] } {
  const first = emitTrace(members, gates, loop, lookup, null, false, rerecord);
  let emitted = emitTrace(members, gates, loop, lookup, first.lazyRead, true, rerecord);
  if (emitted.regs !== null && !emitted.regs.ok) emitted = emitTrace(members, gates, loop, lookup, first.lazyRead, false, rerecord);
  let inner = emitted.regs !== null ? emitted.regs.finish(emitted.body) : emitted.body;
  // The window memos (compile.ts: memoWindow), forgotten after a system call that watched a page.
  const memos = emitted.memos;
  const forget = memos.length === 0 ? '' : `if (c.mem.codeMarks !== cm) { cm = c.mem.codeMarks; ${memos.map((m) => `${m} = NaN;`).join(' ')} }`;
  inner = inner.split(FORGET_MEMOS).join(forget);
  const decl = memos.length === 0 ? '' : `let cm = c.mem.codeMarks, ${memos.map((m) => `${m} = NaN`).join(', ')};\n`;
  const body = `const tb = b.tb;\nlet B = 0;\n${decl}${prologue(inner, ['B'])}${inner}`;
  return { src: `return function trace_p${(members[0].addr & 0xfff).toString(16)}(c, b) {\n${body}\n};`, all: emitted.all };
}

/**
 * Makes head's exec the trace of members (head = members[0]), replacing an
 * earlier trace; `all` and `tb` as the function reads them. `rerecord`: the
 * runs count at which the run loop records from the head again (after
 * MISSES guard misses). When the whole does not fit in MAX_TRACE_CHARS of
 * source, the longest prefix that does if `prefixes`; false when nothing
 * (of two blocks, or one through the gate) is installed.
 */
export function installTrace(members: Block[], gates: boolean[], loop: boolean, lookup: BlockLookup, rerecord: number,
  prefixes: boolean): boolean {
  const head = members[0];
  // The last recording allowed: a miss no longer asks for another (the run loop records at `rerecord` runs only).
  const again = head.traces + 1 < MAX_TRACES ? rerecord : rerecord + 1;
  let n = members.length;
  let t = traceSource(members, gates, loop, lookup, again);
  while (t.src.length > MAX_TRACE_CHARS) {
    if (!prefixes) return false;
    // Halve, then keep the longest prefix that fits: no loop any more, it ends where its last block does.
    n = n >> 1;
    if (n < 1 || (n === 1 && !gates[0])) return false;
    loop = false;
    t = traceSource(members.slice(0, n), gates, false, lookup, again);
  }
  if (head.single === null) { head.single = head.exec; head.singleAll = head.all; }
  head.traces++;
  head.all = t.all;
  head.tb = Float64Array.from(members.slice(0, n), (m) => m.addr);
  head.misses = 0;
  head.exec = functionFor(t.src);
  return true;
}

/**
 * Control transfer: jmp, jcc, call, ret, loop/loope/loopne, jrcxz/jecxz.
 * Each ends its block; a taken branch sets c.rip (the run loop has set it to
 * the fall-through address before the block ran).
 *
 * A call into page 0 (zpoline: `call *%rax` with rax = syscall number) first
 * saves the 8 bytes below rsp that the return address will overwrite, so the
 * kernel gate can restore the caller's red zone (DESIGN.md decision 6).
 */
import type { Core } from '../core.js';
import { K_MEM, K_REG, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { cond } from '../flags.js';
import { canonical, gpFault, ld64 } from '../access.js';
import { PAGE_SIZE } from '../../trampoline/layout.js';
import { push64, rspValue } from './stack.js';
import { CC_NAMES } from './move.js';
import { STOP_MARK, emit, stackEffect, type Gen } from '../emit.js';
import { condSource } from './cond-source.js';

const TWO32 = 4294967296;

function saveRedZone(c: Core): void {
  const lo = ld64(c, rspValue(c) - 8);
  c.ctx.gateSavedLo = lo;
  c.ctx.gateSavedHi = c.hi;
}

/** A near branch to a non-canonical address faults (#GP) at the branch, before any effect. */
function checkTarget(c: Core, target: number): number {
  if (!canonical(target)) gpFault(c, `branch to non-canonical 0x${target.toString(16)}`);
  return target;
}

function callTo(c: Core, i: Insn, target: number): void {
  checkTarget(c, target);
  if (target < PAGE_SIZE && target >= 0) saveRedZone(c);
  push64(c, i.next | 0, 0);
  c.rip = target;
}

// ---- jmp / jcc ----

const jmpRel: Exec = (c, i) => { c.rip = i.target; };
/**
 * A direct jmp the decoder followed (decode.ts): its target is the next
 * instruction of the same block, so it does nothing but retire.
 */
export const jmpFollowed: Exec = () => {};
/** Whether i is a direct jmp (the decoder may follow it). */
export const isDirectJmp = (i: Insn): boolean => i.fn === jmpRel;
const jmpR: Exec = (c, i) => { const r = c.r; c.rip = checkTarget(c, (r[i.a] >>> 0) + r[i.a + 1] * TWO32); };
const jmpM: Exec = (c, i) => { const lo = ld64(c, i.ea(c, i)); c.rip = checkTarget(c, (lo >>> 0) + c.hi * TWO32); };
def(codes('Jmp_rel8_64', 'Jmp_rel32_64'), (i) => { i.mayFault = false; i.writes = false; return jmpRel; });
def(codes('Jmp_rm64'), (i) => {
  i.writes = false;
  if (i.k0 === K_REG) { i.a = 2 * i.r0; i.mayFault = false; return jmpR; }
  return i.k0 === K_MEM ? jmpM : null;
});

// Taken, it ends the block here even inside one (c.stop = 2, block.ts).
const jcc: Exec = (c, i) => { if (cond(c, i.op)) { c.rip = i.target; c.stop = 2; } };
/** Whether i is a jcc (its emitter can skip forward inside a compiled block). */
export const isJcc = (i: Insn): boolean => i.fn === jcc;
CC_NAMES.forEach((n, cc) => {
  def(codes(`J${n}_rel8_64`, `J${n}_rel32_64`), (i) => {
    i.op = cc;
    i.mayFault = false;
    i.writes = false;
    return jcc;
  });
});

// ---- call / ret ----

const callRel: Exec = (c, i) => { callTo(c, i, i.target); };
/**
 * A direct call the decoder followed (decode.ts): the block goes on with the
 * callee, so the call only pushes its return address.
 */
export const callFollowed: Exec = (c, i) => { push64(c, i.next | 0, 0); };
/** Whether i is a direct call (the decoder may follow it). */
export const isDirectCall = (i: Insn): boolean => i.fn === callRel;
const callR: Exec = (c, i) => { const r = c.r; callTo(c, i, (r[i.a] >>> 0) + r[i.a + 1] * TWO32); };
const callM: Exec = (c, i) => { const lo = ld64(c, i.ea(c, i)); callTo(c, i, (lo >>> 0) + c.hi * TWO32); };
def(codes('Call_rel32_64'), () => callRel);
def(codes('Call_rm64'), (i) => {
  if (i.k0 === K_REG) { i.a = 2 * i.r0; return callR; }
  return i.k0 === K_MEM ? callM : null;
});

/** ret [imm16]: pop rip (checked before rsp moves), then release imm16 more bytes of stack. */
const ret: Exec = (c, i) => {
  const sp = rspValue(c);
  const lo = ld64(c, sp);
  c.rip = checkTarget(c, (lo >>> 0) + c.hi * TWO32);
  const nsp = sp + 8 + (i.imm & 0xffff);
  c.r[8] = nsp | 0;
  c.r[9] = Math.floor(nsp / TWO32) | 0;
};
def(codes('Retnq', 'Retnq_imm16'), (i) => { i.writes = false; return ret; });

// ---- loop / jrcxz ----

/** Decrements rcx (or ecx with 0x67) and returns whether it is nonzero; flags unchanged. */
function decCount(c: Core, i: Insn): boolean {
  const r = c.r;
  if (i.x === 4) {
    const v = (r[2] - 1) | 0;
    r[2] = v; r[3] = 0;
    return v !== 0;
  }
  const lo = (r[2] - 1) | 0;
  if (r[2] === 0) r[3] = (r[3] - 1) | 0;
  r[2] = lo;
  return (lo | r[3]) !== 0;
}
const loop: Exec = (c, i) => { if (decCount(c, i)) c.rip = i.target; };
const loope: Exec = (c, i) => { if (decCount(c, i) && cond(c, 4)) c.rip = i.target; };
const loopne: Exec = (c, i) => { if (decCount(c, i) && cond(c, 5)) c.rip = i.target; };
const jrcxz: Exec = (c, i) => { const r = c.r; if ((i.x === 4 ? r[2] : r[2] | r[3]) === 0) c.rip = i.target; };
function buildCount(fn: Exec, countSize: number) {
  return (i: Insn): Exec => {
    i.x = countSize;
    i.mayFault = false;
    i.writes = false;
    return fn;
  };
}
def(codes('Loop_rel8_64_RCX'), buildCount(loop, 8));
def(codes('Loop_rel8_64_ECX'), buildCount(loop, 4));
def(codes('Loope_rel8_64_RCX'), buildCount(loope, 8));
def(codes('Loope_rel8_64_ECX'), buildCount(loope, 4));
def(codes('Loopne_rel8_64_RCX'), buildCount(loopne, 8));
def(codes('Loopne_rel8_64_ECX'), buildCount(loopne, 4));
def(codes('Jrcxz_rel8_64'), buildCount(jrcxz, 8));
def(codes('Jecxz_rel8_64'), buildCount(jrcxz, 4));


// ---- compiled-tier emitters ----

emit(jmpRel, (i, g) => {
  const t = g.abs(i.target);
  // Last, back to the block's start in a loop block: round again (as a taken jcc does).
  if (g.loop && g.k === g.n - 1) return `done += ${g.count(g.n)}; c.tscBase += ${g.count(g.n)}; if (done < c.left) continue; c.rip = ${t}; return done;\n`;
  return `c.rip = ${t};\n`;
});
emit(jmpFollowed, () => '');
emit(jcc, (i, g) => {
  const taken = condSource(i.op, g), t = g.abs(i.target);
  // Forward to a later instruction of the block: skip to it (the brace closes there, compile.ts).
  if (g.skipTo > 0) return `if (${taken}) sk += ${g.skipTo - g.k - 1};\nelse {\n`;
  // Inside the block: a side exit, or its target's code inlined, with the flag update only it needs (Gen.pendingFlags).
  // Last, back to the block's start in a loop block: round again.
  if (g.k < g.n - 1) {
    let exit = '';
    if (g.fused) { exit = g.pendingFlags.trimEnd(); g.pendingFlags = ''; }
    return g.inline !== null ? `if (${taken}) {\n${exit === '' ? '' : `${exit}\n`}${g.inline}}\n`
      : `if (${taken}) { ${exit === '' ? '' : `${exit} `}c.rip = ${t}; ${g.ret(g.k + 1)} }\n`;
  }
  if (g.loop) return `if (${taken}) { done += ${g.count(g.n)}; c.tscBase += ${g.count(g.n)}; if (done < c.left) continue; c.rip = ${t}; return done; }\n`;
  return `if (${taken}) c.rip = ${t};\n`;
});
emit(jmpR, (i, g) => {
  const t = g.v('t');
  return `const ${t} = (r[${i.a}] >>> 0) + r[${i.a + 1}] * 4294967296;\n` +
    `if (${t} >= 140737488355328 || ${t} < -140737488355328) { c.k = ${g.k}; ${g.narrowHandler([i.a, i.a + 1], [])} }\nc.rip = ${t};\n`;
});
/**
 * Pushes the return address inline; bad stacks and code pages take the
 * handler. A call into page 0 (every zpoline system call) first keeps the
 * 8 red-zone bytes the return address overwrites, as saveRedZone does.
 */
function callSource(i: Insn, g: Gen, target: string, reads: number[]): string {
  const sp = g.v('sp'), t = g.v('t');
  // The handler reads rsp and the target's registers, and writes rsp.
  const slow = g.narrowHandler([8, 9, ...reads], [8, 9]);
  if (g.gateCall && g.k === g.n - 1) {
    // A trace's recorded system call: the gate gets the return address without the push it would pop
    // (same memory, same rsp); a stack that could not take the push, or another target, leaves the trace.
    return `const ${t} = ${target}, ${sp} = ${g.rsp(-8)};\n` +
      `if (${t} >= 0 && ${t} < ${PAGE_SIZE} && (${g.writable(sp, 8)})) {\n` +
      `  c.ctx.gateRet = ${g.abs(i.next)}; c.rip = ${t};\n` +
      `} else { c.k = ${g.k}; ${slow} }\n`;
  }
  const w = g.stackWord(-8);
  return `const ${t} = ${target}, ${sp} = ${g.rsp(-8)};\n` +
    `if (${t} >= 0 && ${t} < 140737488355328 && (${g.writable(sp, 8)})) {\n` +
    `  if (${t} < ${PAGE_SIZE}) { c.ctx.gateSavedLo = ${g.get32(sp, w)}; c.ctx.gateSavedHi = ${g.get32(sp, w, 4)}; }\n` +
    `  ${g.set32(sp, `${g.abs(i.next)} | 0`, w)} ${g.set32(sp, '0', w, 4)} r[8] = ${sp} | 0; r[9] = 0; c.rip = ${t};\n` +
    `} else { c.k = ${g.k}; ${slow} }\n`;
}
emit(callRel, (i, g) => callSource(i, g, g.abs(i.target), []));
emit(callFollowed, (i, g) => {
  const sp = g.v('sp');
  const w = g.stackWord(-8);
  const put = `${g.set32(sp, `${g.abs(i.next)} | 0`, w)} ${g.set32(sp, '0', w, 4)} r[8] = ${sp} | 0; r[9] = 0;`;
  if (g.held) return `const ${sp} = ${g.rsp(-8)};\n${put}\n`;
  g.stored = true;
  const slow = g.narrowHandler([8, 9], [8, 9]);
  // The handler is the only path that can store to code, and it ends the instruction: c.stop is checked after it alone.
  g.called = false;
  return `const ${sp} = ${g.rsp(-8)};\n` +
    `if (${g.writable(sp, 8)}) {\n  ${put}\n` +
    `} else { c.k = ${g.k}; ${slow} ${STOP_MARK}}\n`;
});
emit(callR, (i, g) => callSource(i, g, `(r[${i.a}] >>> 0) + r[${i.a + 1}] * 4294967296`, [i.a, i.a + 1]));
/**
 * The target of jmp/call through memory (a PLT's `jmp *GOT(%rip)`, a call
 * through a function pointer) read inline when it is a plain address below
 * 4 GiB; -1 otherwise, which sends the instruction to its handler.
 */
function memTarget(i: Insn, g: Gen): { code: string; t: string } {
  const a = g.v('a'), m = g.v('m');
  return {
    code: `const ${a} = ${g.addr(i)};\n` +
      `const ${m} = ${a} >= 4096 && ${a} + 8 <= size && dv.getInt32(${a} + 4, true) === 0 ? dv.getInt32(${a}, true) >>> 0 : -1;\n`,
    t: m,
  };
}
emit(jmpM, (i, g) => {
  const { code, t } = memTarget(i, g);
  return `${code}if (${t} >= 0) c.rip = ${t}; else { c.k = ${g.k}; ${g.narrowHandler(g.addrHalves(i), [])} }\n`;
});
emit(callM, (i, g) => {
  const { code, t } = memTarget(i, g);
  return code + callSource(i, g, t, g.addrHalves(i));
});
emit(ret, (i, g) => {
  const sp = g.v('sp');
  const w = g.stackWord(0);
  return `const ${sp} = ${g.rsp(0)};\n` +
    `if ((${g.inRam(sp, 8)}) && ${g.get32(sp, w, 4)} === 0) {\n` +
    `  c.rip = ${g.get32(sp, w)} >>> 0; r[8] = (${sp} + ${8 + (i.imm & 0xffff)}) | 0; r[9] = 0;\n` +
    `} else { c.k = ${g.k}; ${g.narrowHandler([8, 9], [8, 9])} }\n`;
});

// Their stack slots, for the window check (stack-window.ts).
const CALL = { at: -8, delta: -8 };
for (const fn of [callRel, callFollowed, callR, callM]) stackEffect(fn, () => CALL);
stackEffect(ret, (i) => ({ at: 0, delta: 8 + (i.imm & 0xffff) }));

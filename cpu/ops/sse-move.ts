/**
 * SSE/SSE2 data movement: movd movq movdqa movdqu movaps movapd movups
 * movupd movss movsd movlps/movhps/movlpd/movhpd movhlps movlhps movnt*.
 * Bit copies only: no MXCSR involvement (movmskps/pd are in sse-logic.ts).
 *
 * XMM register n is c.x32[4*n .. 4*n+3]; the aligned forms (movaps, movapd,
 * movdqa, movntps/pd/dq) raise #GP on a misaligned address (align16).
 */
import type { Core } from '../core.js';
import { K_MEM, K_REG, K_XMM, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { align16, ld32, ld64, ldx, st32, st64, stx } from '../access.js';
import { pure } from './operands.js';
import { emit } from '../emit.js';

/** Copies XMM register s to d (all 128 bits). */
function copyX(c: Core, d: number, s: number): void {
  const x = c.x32, a = 4 * d, b = 4 * s;
  x[a] = x[b]; x[a + 1] = x[b + 1]; x[a + 2] = x[b + 2]; x[a + 3] = x[b + 3];
}

// ---- full 128-bit moves ----

const movXX: Exec = (c, i) => { copyX(c, i.r0, i.r1); };
const loadU: Exec = (c, i) => { ldx(c, i.ea(c, i), i.r0); };
const loadA: Exec = (c, i) => { ldx(c, align16(c, i.ea(c, i)), i.r0); };
const storeU: Exec = (c, i) => { stx(c, i.ea(c, i), i.r1); };
const storeA: Exec = (c, i) => { stx(c, align16(c, i.ea(c, i)), i.r1); };

function build128(aligned: boolean) {
  return (i: Insn): Exec | null => {
    if (i.k0 === K_XMM && i.k1 === K_XMM) { pure(i); return movXX; }
    if (i.k0 === K_XMM && i.k1 === K_MEM) { i.writes = false; return aligned ? loadA : loadU; }
    if (i.k0 === K_MEM && i.k1 === K_XMM) return aligned ? storeA : storeU;
    return null;
  };
}
def(codes('Movaps_xmm_xmmm128', 'Movaps_xmmm128_xmm', 'Movapd_xmm_xmmm128', 'Movapd_xmmm128_xmm',
  'Movdqa_xmm_xmmm128', 'Movdqa_xmmm128_xmm', 'Movntps_m128_xmm', 'Movntpd_m128_xmm', 'Movntdq_m128_xmm'), build128(true));
def(codes('Movups_xmm_xmmm128', 'Movups_xmmm128_xmm', 'Movupd_xmm_xmmm128', 'Movupd_xmmm128_xmm',
  'Movdqu_xmm_xmmm128', 'Movdqu_xmmm128_xmm'), build128(false));

// ---- movss / movsd: register to register merges the low lane; a load zeroes the rest ----

const movssXX: Exec = (c, i) => { c.x32[4 * i.r0] = c.x32[4 * i.r1]; };
const movssLoad: Exec = (c, i) => {
  const v = ld32(c, i.ea(c, i));
  const x = c.x32, a = 4 * i.r0;
  x[a] = v; x[a + 1] = 0; x[a + 2] = 0; x[a + 3] = 0;
};
const movssStore: Exec = (c, i) => { st32(c, i.ea(c, i), c.x32[4 * i.r1]); };
const movsdXX: Exec = (c, i) => { const x = c.x32, a = 4 * i.r0, b = 4 * i.r1; x[a] = x[b]; x[a + 1] = x[b + 1]; };
const movsdLoad: Exec = (c, i) => {
  const lo = ld64(c, i.ea(c, i));
  const x = c.x32, a = 4 * i.r0;
  x[a] = lo; x[a + 1] = c.hi; x[a + 2] = 0; x[a + 3] = 0;
};
const storeLow64: Exec = (c, i) => { const x = c.x32, b = 4 * i.r1; st64(c, i.ea(c, i), x[b], x[b + 1]); };

function buildScalar(rr: Exec, load: Exec, store: Exec) {
  return (i: Insn): Exec | null => {
    if (i.k0 === K_XMM && i.k1 === K_XMM) { pure(i); return rr; }
    if (i.k0 === K_XMM && i.k1 === K_MEM) { i.writes = false; return load; }
    if (i.k0 === K_MEM && i.k1 === K_XMM) return store;
    return null;
  };
}
def(codes('Movss_xmm_xmmm32', 'Movss_xmmm32_xmm'), buildScalar(movssXX, movssLoad, movssStore));
def(codes('Movsd_xmm_xmmm64', 'Movsd_xmmm64_xmm'), buildScalar(movsdXX, movsdLoad, storeLow64));

// ---- movq xmm, xmm/m64 and movq xmm/m64, xmm: the destination's upper half is zeroed ----

const movqXX: Exec = (c, i) => {
  const x = c.x32, a = 4 * i.r0, b = 4 * i.r1;
  x[a] = x[b]; x[a + 1] = x[b + 1]; x[a + 2] = 0; x[a + 3] = 0;
};
def(codes('Movq_xmm_xmmm64', 'Movq_xmmm64_xmm'), buildScalar(movqXX, movsdLoad, storeLow64));

// ---- movd / movq between general registers or memory and XMM ----

const movdToX: Exec = (c, i) => {
  const v = i.k1 === K_REG ? c.r[2 * i.r1] : ld32(c, i.ea(c, i));
  const x = c.x32, a = 4 * i.r0;
  x[a] = v; x[a + 1] = 0; x[a + 2] = 0; x[a + 3] = 0;
};
const movqToX: Exec = (c, i) => {
  let lo: number, hi: number;
  if (i.k1 === K_REG) { lo = c.r[2 * i.r1]; hi = c.r[2 * i.r1 + 1]; } else { lo = ld64(c, i.ea(c, i)); hi = c.hi; }
  const x = c.x32, a = 4 * i.r0;
  x[a] = lo; x[a + 1] = hi; x[a + 2] = 0; x[a + 3] = 0;
};
const movdFromX: Exec = (c, i) => {
  const v = c.x32[4 * i.r1];
  if (i.k0 === K_REG) { c.r[2 * i.r0] = v; c.r[2 * i.r0 + 1] = 0; } else st32(c, i.ea(c, i), v);
};
const movqFromX: Exec = (c, i) => {
  const x = c.x32, b = 4 * i.r1;
  if (i.k0 === K_REG) { c.r[2 * i.r0] = x[b]; c.r[2 * i.r0 + 1] = x[b + 1]; } else st64(c, i.ea(c, i), x[b], x[b + 1]);
};
function buildGpr(fn: Exec, toX: boolean) {
  return (i: Insn): Exec => {
    const gpr = toX ? i.k1 : i.k0;
    if (gpr === K_REG) pure(i); else if (toX) i.writes = false;
    return fn;
  };
}
def(codes('Movd_xmm_rm32'), buildGpr(movdToX, true));
def(codes('Movq_xmm_rm64'), buildGpr(movqToX, true));
def(codes('Movd_rm32_xmm'), buildGpr(movdFromX, false));
def(codes('Movq_rm64_xmm'), buildGpr(movqFromX, false));

// ---- half moves ----

/** movlps/movlpd xmm, m64: low half from memory, high half kept. */
const loadLow: Exec = (c, i) => { const lo = ld64(c, i.ea(c, i)); const x = c.x32, a = 4 * i.r0; x[a] = lo; x[a + 1] = c.hi; };
/** movhps/movhpd xmm, m64: high half from memory. */
const loadHigh: Exec = (c, i) => { const lo = ld64(c, i.ea(c, i)); const x = c.x32, a = 4 * i.r0; x[a + 2] = lo; x[a + 3] = c.hi; };
const storeHigh: Exec = (c, i) => { const x = c.x32, b = 4 * i.r1; st64(c, i.ea(c, i), x[b + 2], x[b + 3]); };
/** movhlps d, s: d.low = s.high. */
const movhlps: Exec = (c, i) => { const x = c.x32, a = 4 * i.r0, b = 4 * i.r1; x[a] = x[b + 2]; x[a + 1] = x[b + 3]; };
/** movlhps d, s: d.high = s.low. */
const movlhps: Exec = (c, i) => { const x = c.x32, a = 4 * i.r0, b = 4 * i.r1; x[a + 2] = x[b]; x[a + 3] = x[b + 1]; };
def(codes('Movlps_xmm_m64', 'Movlpd_xmm_m64'), (i) => { i.writes = false; return loadLow; });
def(codes('Movhps_xmm_m64', 'Movhpd_xmm_m64'), (i) => { i.writes = false; return loadHigh; });
def(codes('Movlps_m64_xmm', 'Movlpd_m64_xmm'), () => storeLow64);
def(codes('Movhps_m64_xmm', 'Movhpd_m64_xmm'), () => storeHigh);
def(codes('Movhlps_xmm_xmm'), (i) => { pure(i); return movhlps; });
def(codes('Movlhps_xmm_xmm'), (i) => { pure(i); return movlhps; });

// ---- compiled-tier emitters ----

const xcopy = (d: number, s: string[]) => s.map((v, k) => `x[${4 * d + k}] = ${v};`).join(' ') + '\n';
const xregs = (n: number) => [0, 1, 2, 3].map((k) => `x[${4 * n + k}]`);
emit(movXX, (i) => xcopy(i.r0, xregs(i.r1)));
for (const [fn, aligned] of [[loadA, true], [loadU, false]] as [Exec, boolean][]) {
  emit(fn, (i, g) => {
    const a = g.v('a'), v = g.v('v');
    return `const ${a} = ${g.addr(i)};\n` + g.load128(v, a, aligned) + xcopy(i.r0, [0, 1, 2, 3].map((k) => `${v}_${k}`));
  });
}
for (const [fn, aligned] of [[storeA, true], [storeU, false]] as [Exec, boolean][]) {
  emit(fn, (i, g) => {
    const a = g.v('a');
    const ok = aligned ? `(${g.writable(a, 16)}) && (${a} & 15) === 0` : g.writable(a, 16);
    const b = 4 * i.r1;
    const put = `dv.setInt32(${a}, x[${b}], true); dv.setInt32(${a} + 4, x[${b + 1}], true); dv.setInt32(${a} + 8, x[${b + 2}], true); dv.setInt32(${a} + 12, x[${b + 3}], true);`;
    if (g.held && !aligned) {
      const e = g.addr(i);
      const w = g.wordAt(a);
      return `const ${a} = ${e};\n${[0, 1, 2, 3].map((k) => g.set32(a, `x[${b + k}]`, w, 4 * k)).join(' ')}\n`;
    }
    const slow = g.handler();
    // Only the handler can meet a code page (c.stop); a slow path that leaves the trace never comes back here.
    g.stored = g.called;
    return `const ${a} = ${g.addr(i)};\n` +
      `if (${ok}) { ${put} }\n` +
      `else { c.k = ${g.k}; ${slow} }\n`;
  });
}
emit(movqXX, (i) => `x[${4 * i.r0}] = x[${4 * i.r1}]; x[${4 * i.r0 + 1}] = x[${4 * i.r1 + 1}]; x[${4 * i.r0 + 2}] = 0; x[${4 * i.r0 + 3}] = 0;\n`);
emit(movsdLoad, (i, g) => {
  const a = g.v('a'), lo = g.v('lo'), hi = g.v('hi');
  return `const ${a} = ${g.addr(i)};\n` + g.load64(lo, hi, a) + xcopy(i.r0, [lo, hi, '0', '0']);
});
emit(storeLow64, (i, g) => `const ${g.v('a')} = ${g.addr(i)};\n` + g.store(g.v('a'), 8, `x[${4 * i.r1}]`, `x[${4 * i.r1 + 1}]`));
emit(movssLoad, (i, g) => `const ${g.v('a')} = ${g.addr(i)};\n` + g.load(g.v('v'), g.v('a'), 4) + xcopy(i.r0, [g.v('v'), '0', '0', '0']));
emit(movssStore, (i, g) => `const ${g.v('a')} = ${g.addr(i)};\n` + g.store(g.v('a'), 4, `x[${4 * i.r1}]`));
emit(movssXX, (i) => `x[${4 * i.r0}] = x[${4 * i.r1}];\n`);
emit(movsdXX, (i) => `x[${4 * i.r0}] = x[${4 * i.r1}]; x[${4 * i.r0 + 1}] = x[${4 * i.r1 + 1}];\n`);
emit(movqToX, (i) => (i.k1 === K_REG ? xcopy(i.r0, [`r[${2 * i.r1}]`, `r[${2 * i.r1 + 1}]`, '0', '0']) : null));
emit(movdToX, (i) => (i.k1 === K_REG ? xcopy(i.r0, [`r[${2 * i.r1}]`, '0', '0', '0']) : null));
emit(movqFromX, (i) => (i.k0 === K_REG ? `r[${2 * i.r0}] = x[${4 * i.r1}]; r[${2 * i.r0 + 1}] = x[${4 * i.r1 + 1}];\n` : null));
emit(movdFromX, (i) => (i.k0 === K_REG ? `r[${2 * i.r0}] = x[${4 * i.r1}]; r[${2 * i.r0 + 1}] = 0;\n` : null));

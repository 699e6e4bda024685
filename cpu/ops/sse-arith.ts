/**
 * SSE/SSE2 float arithmetic: add sub mul div min max sqrt (ps pd ss sd),
 * rcpps/rcpss/rsqrtps/rsqrtss. Lane arithmetic and MXCSR handling live in
 * sse-float.ts; this module reads operands, applies the NaN rules and writes
 * results once finish() has accepted the instruction.
 *
 * NaN rules: arithmetic returns the first NaN operand (the destination's),
 * quieted, and raises IE for a signalling one; an invalid operation on
 * non-NaNs returns the default NaN. min/max return the second operand
 * unchanged when either is a NaN (IE for quiet NaNs too).
 */
import type { Core } from '../core.js';
import type { Exec, Insn } from '../insn.js';
import { def, codes, type Build } from '../registry.js';
import {
  begin, finish, fp, IE, R32, RF32, RF64, S32, SF32, SF64, QNAN32, QNAN64_HI, isSnan32, isSnan64,
  nan2f32, nan2f64, isDen32, isDen64, src128, src32, src64, srcIndex,
  add32, add64, sub32, sub64, mul32, mul64, div32, div64, min32, min64, max32, max64,
  sqrt32, sqrt64, rcp32, rsqrt32,
} from './sse-float.js';

type Bin = (a: number, b: number) => number;
type Un = (a: number) => number;

function setup(exec: Exec): Build {
  return (i: Insn) => {
    i.a = 4 * i.r0;
    i.b = srcIndex(i);
    return exec;
  };
}

/** Writes R32[0..3] to the destination register at x32 index d. */
function put4(c: Core, d: number): void {
  const x = c.x32;
  x[d] = R32[0]; x[d + 1] = R32[1]; x[d + 2] = R32[2]; x[d + 3] = R32[3];
}

// ---- binary ----

/** One binary32 lane: a = destination lane (bits ab), b = source lane (bits bb); result to R32[j]. */
function lane32(op: Bin, minmax: boolean, a: number, ab: number, b: number, bb: number, j: number): void {
  if (a !== a || b !== b) {
    // min/max: the second operand (after DAZ, which reads a denormal as zero).
    if (minmax) { fp.pre |= IE; R32[j] = fp.daz && isDen32(b) ? bb & 0x80000000 : bb; } else R32[j] = nan2f32(ab, bb);
    return;
  }
  const r = op(a, b);
  if (r !== r) R32[j] = QNAN32; else RF32[j] = r;
}

/** One binary64 lane j (R32 index 2j): a = destination lane, b = source lane S32[2j..]. */
function lane64(c: Core, op: Bin, minmax: boolean, d: number, j: number): void {
  const x = c.x32, k = 2 * j;
  const a = c.xf64[(d >> 1) + j], b = SF64[j];
  if (a !== a || b !== b) {
    if (minmax) {
      fp.pre |= IE;
      const z = fp.daz && isDen64(b);
      R32[k] = z ? 0 : S32[k]; R32[k + 1] = z ? S32[k + 1] & 0x80000000 : S32[k + 1];
    } else nan2f64(x[d + k + 1], x[d + k], S32[k + 1], S32[k], k);
    return;
  }
  const r = op(a, b);
  if (r !== r) { R32[k] = 0; R32[k + 1] = QNAN64_HI; } else RF64[j] = r;
}

function ps(op: Bin, minmax = false): Build {
  return setup((c, i) => {
    src128(c, i);
    begin(c);
    const d = i.a, x = c.x32, xf = c.xf32;
    for (let j = 0; j < 4; j++) lane32(op, minmax, xf[d + j], x[d + j], SF32[j], S32[j], j);
    finish(c, i);
    put4(c, d);
  });
}
function ss(op: Bin, minmax = false): Build {
  return setup((c, i) => {
    src32(c, i);
    begin(c);
    const d = i.a;
    lane32(op, minmax, c.xf32[d], c.x32[d], SF32[0], S32[0], 0);
    finish(c, i);
    c.x32[d] = R32[0];
  });
}
function pd(op: Bin, minmax = false): Build {
  return setup((c, i) => {
    src128(c, i);
    begin(c);
    const d = i.a;
    lane64(c, op, minmax, d, 0);
    lane64(c, op, minmax, d, 1);
    finish(c, i);
    put4(c, d);
  });
}
function sd(op: Bin, minmax = false): Build {
  return setup((c, i) => {
    src64(c, i);
    begin(c);
    const d = i.a;
    lane64(c, op, minmax, d, 0);
    finish(c, i);
    c.x32[d] = R32[0]; c.x32[d + 1] = R32[1];
  });
}

def(codes('Addps_xmm_xmmm128'), ps(add32));
def(codes('Addss_xmm_xmmm32'), ss(add32));
def(codes('Addpd_xmm_xmmm128'), pd(add64));
def(codes('Addsd_xmm_xmmm64'), sd(add64));
def(codes('Subps_xmm_xmmm128'), ps(sub32));
def(codes('Subss_xmm_xmmm32'), ss(sub32));
def(codes('Subpd_xmm_xmmm128'), pd(sub64));
def(codes('Subsd_xmm_xmmm64'), sd(sub64));
def(codes('Mulps_xmm_xmmm128'), ps(mul32));
def(codes('Mulss_xmm_xmmm32'), ss(mul32));
def(codes('Mulpd_xmm_xmmm128'), pd(mul64));
def(codes('Mulsd_xmm_xmmm64'), sd(mul64));
def(codes('Divps_xmm_xmmm128'), ps(div32));
def(codes('Divss_xmm_xmmm32'), ss(div32));
def(codes('Divpd_xmm_xmmm128'), pd(div64));
def(codes('Divsd_xmm_xmmm64'), sd(div64));
def(codes('Minps_xmm_xmmm128'), ps(min32, true));
def(codes('Minss_xmm_xmmm32'), ss(min32, true));
def(codes('Minpd_xmm_xmmm128'), pd(min64, true));
def(codes('Minsd_xmm_xmmm64'), sd(min64, true));
def(codes('Maxps_xmm_xmmm128'), ps(max32, true));
def(codes('Maxss_xmm_xmmm32'), ss(max32, true));
def(codes('Maxpd_xmm_xmmm128'), pd(max64, true));
def(codes('Maxsd_xmm_xmmm64'), sd(max64, true));

// ---- unary: the source operand's lanes; scalar forms keep the destination's upper lanes ----

/** One binary32 lane of a unary operation on source lane j. ie: a signalling NaN raises IE (sqrt; not rcp/rsqrt). */
function ulane32(op: Un, ie: boolean, j: number): void {
  const a = SF32[j];
  if (a !== a) {
    const bits = S32[j];
    if (ie && isSnan32(bits)) fp.pre |= IE;
    R32[j] = bits | 0x00400000;
    return;
  }
  const r = op(a);
  if (r !== r) R32[j] = QNAN32; else RF32[j] = r;
}
function ulane64(op: Un, j: number): void {
  const a = SF64[j], k = 2 * j;
  if (a !== a) {
    if (isSnan64(S32[k + 1], S32[k])) fp.pre |= IE;
    R32[k] = S32[k]; R32[k + 1] = S32[k + 1] | 0x00080000;
    return;
  }
  const r = op(a);
  if (r !== r) { R32[k] = 0; R32[k + 1] = QNAN64_HI; } else RF64[j] = r;
}

function ups(op: Un, ie: boolean): Build {
  return setup((c, i) => {
    src128(c, i);
    begin(c);
    for (let j = 0; j < 4; j++) ulane32(op, ie, j);
    finish(c, i);
    put4(c, i.a);
  });
}
function uss(op: Un, ie: boolean): Build {
  return setup((c, i) => {
    src32(c, i);
    begin(c);
    ulane32(op, ie, 0);
    finish(c, i);
    c.x32[i.a] = R32[0];
  });
}

def(codes('Sqrtps_xmm_xmmm128'), ups(sqrt32, true));
def(codes('Sqrtss_xmm_xmmm32'), uss(sqrt32, true));
def(codes('Rcpps_xmm_xmmm128'), ups(rcp32, false));
def(codes('Rcpss_xmm_xmmm32'), uss(rcp32, false));
def(codes('Rsqrtps_xmm_xmmm128'), ups(rsqrt32, false));
def(codes('Rsqrtss_xmm_xmmm32'), uss(rsqrt32, false));
def(codes('Sqrtpd_xmm_xmmm128'), setup((c, i) => {
  src128(c, i);
  begin(c);
  ulane64(sqrt64, 0);
  ulane64(sqrt64, 1);
  finish(c, i);
  put4(c, i.a);
}));
def(codes('Sqrtsd_xmm_xmmm64'), setup((c, i) => {
  src64(c, i);
  begin(c);
  ulane64(sqrt64, 0);
  finish(c, i);
  c.x32[i.a] = R32[0]; c.x32[i.a + 1] = R32[1];
}));

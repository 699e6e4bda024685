/**
 * SSE/SSE2 float-domain bitwise operations (andps/andpd, andnps/andnpd,
 * orps/orpd, xorps/xorpd: no floating-point exceptions) and MXCSR access
 * (ldmxcsr/stmxcsr). shufps/shufpd and the unpacks live in sse-int.ts,
 * movmskps/movmskpd in sse-move.ts.
 */
import { K_XMM, type Exec, type Insn } from '../insn.js';
import { def, codes, type Build } from '../registry.js';
import { gpFault, ld32, st32 } from '../access.js';
import { pure } from './operands.js';
import { MXCSR_MASK, S32, src128, srcIndex } from './sse-float.js';

/** Builder for xmm, xmm/m128 forms: register sources cannot fault. */
function xx(exec: Exec): Build {
  return (i: Insn) => {
    i.a = 4 * i.r0;
    i.b = srcIndex(i);
    if (i.k1 === K_XMM) pure(i);
    return exec;
  };
}

// ---- bitwise ----

const and: Exec = (c, i) => {
  src128(c, i);
  const x = c.x32, d = i.a;
  x[d] &= S32[0]; x[d + 1] &= S32[1]; x[d + 2] &= S32[2]; x[d + 3] &= S32[3];
};
const andn: Exec = (c, i) => {
  src128(c, i);
  const x = c.x32, d = i.a;
  x[d] = ~x[d] & S32[0]; x[d + 1] = ~x[d + 1] & S32[1]; x[d + 2] = ~x[d + 2] & S32[2]; x[d + 3] = ~x[d + 3] & S32[3];
};
const or: Exec = (c, i) => {
  src128(c, i);
  const x = c.x32, d = i.a;
  x[d] |= S32[0]; x[d + 1] |= S32[1]; x[d + 2] |= S32[2]; x[d + 3] |= S32[3];
};
const xor: Exec = (c, i) => {
  src128(c, i);
  const x = c.x32, d = i.a;
  x[d] ^= S32[0]; x[d + 1] ^= S32[1]; x[d + 2] ^= S32[2]; x[d + 3] ^= S32[3];
};
def(codes('Andps_xmm_xmmm128', 'Andpd_xmm_xmmm128'), xx(and));
def(codes('Andnps_xmm_xmmm128', 'Andnpd_xmm_xmmm128'), xx(andn));
def(codes('Orps_xmm_xmmm128', 'Orpd_xmm_xmmm128'), xx(or));
def(codes('Xorps_xmm_xmmm128', 'Xorpd_xmm_xmmm128'), xx(xor));

// ---- MXCSR ----

def(codes('Ldmxcsr_m32'), () => (c, i) => {
  const v = ld32(c, i.ea(c, i));
  if ((v & ~MXCSR_MASK) !== 0) gpFault(c, `ldmxcsr: reserved MXCSR bits in 0x${(v >>> 0).toString(16)}`);
  c.ctx.mxcsr = v;
});
def(codes('Stmxcsr_m32'), () => (c, i) => {
  st32(c, i.ea(c, i), c.ctx.mxcsr);
});

/**
 * SSE/SSE2 data arrangement in the float domain: shufps/shufpd,
 * unpcklps/unpckhps/unpcklpd/unpckhpd, movmskps/movmskpd; and maskmovdqu
 * (byte-masked store to [rdi]). No floating-point exceptions.
 */
import type { Core } from '../core.js';
import { K_STR, K_XMM, SEG_FS, SEG_NONE, type Exec, type Insn } from '../insn.js';
import { def, codes, type Build } from '../registry.js';
import { wchk } from '../access.js';
import { pure } from './operands.js';
import { S32, src128, srcIndex } from './sse-float.js';

/** Builder for xmm, xmm/m128 forms (m128 must be 16-byte aligned): register sources cannot fault. */
function xx(exec: Exec): Build {
  return (i: Insn) => {
    i.a = 4 * i.r0;
    i.b = srcIndex(i);
    if (i.k1 === K_XMM) pure(i);
    return exec;
  };
}

// Every handler loads the source into S32 first, so a source equal to the destination reads its old value.

def(codes('Shufps_xmm_xmmm128_imm8'), xx((c, i) => {
  src128(c, i);
  const x = c.x32, d = i.a, m = i.imm;
  const r0 = x[d + (m & 3)], r1 = x[d + ((m >> 2) & 3)];
  x[d] = r0; x[d + 1] = r1;
  x[d + 2] = S32[(m >> 4) & 3]; x[d + 3] = S32[(m >> 6) & 3];
}));
def(codes('Shufpd_xmm_xmmm128_imm8'), xx((c, i) => {
  src128(c, i);
  const x = c.x32, d = i.a, m = i.imm;
  const k = d + 2 * (m & 1);
  const r0 = x[k], r1 = x[k + 1];
  const s = 2 * ((m >> 1) & 1);
  x[d] = r0; x[d + 1] = r1; x[d + 2] = S32[s]; x[d + 3] = S32[s + 1];
}));
/** [d0 s0 d1 s1] */
def(codes('Unpcklps_xmm_xmmm128'), xx((c, i) => {
  src128(c, i);
  const x = c.x32, d = i.a;
  x[d + 3] = S32[1]; x[d + 2] = x[d + 1]; x[d + 1] = S32[0];
}));
/** [d2 s2 d3 s3] */
def(codes('Unpckhps_xmm_xmmm128'), xx((c, i) => {
  src128(c, i);
  const x = c.x32, d = i.a;
  x[d] = x[d + 2]; x[d + 1] = S32[2]; x[d + 2] = x[d + 3]; x[d + 3] = S32[3];
}));
/** [d.lo s.lo] */
def(codes('Unpcklpd_xmm_xmmm128'), xx((c, i) => {
  src128(c, i);
  const x = c.x32, d = i.a;
  x[d + 2] = S32[0]; x[d + 3] = S32[1];
}));
/** [d.hi s.hi] */
def(codes('Unpckhpd_xmm_xmmm128'), xx((c, i) => {
  src128(c, i);
  const x = c.x32, d = i.a;
  x[d] = x[d + 2]; x[d + 1] = x[d + 3]; x[d + 2] = S32[2]; x[d + 3] = S32[3];
}));

// ---- sign masks: operand 0 is r32/r64 (the upper half is zeroed either way), operand 1 an xmm register ----

function movmsk(exec: Exec): Build {
  return (i: Insn) => {
    if (i.k1 !== K_XMM) return null;
    i.a = 2 * i.r0;
    i.b = 4 * i.r1;
    pure(i);
    return exec;
  };
}
def(codes('Movmskps_r32_xmm', 'Movmskps_r64_xmm'), movmsk((c: Core, i: Insn) => {
  const x = c.x32, s = i.b;
  c.r[i.a] = (x[s] >>> 31) | ((x[s + 1] >>> 31) << 1) | ((x[s + 2] >>> 31) << 2) | ((x[s + 3] >>> 31) << 3);
  c.r[i.a + 1] = 0;
}));
def(codes('Movmskpd_r32_xmm', 'Movmskpd_r64_xmm'), movmsk((c: Core, i: Insn) => {
  const x = c.x32, s = i.b;
  c.r[i.a] = (x[s + 1] >>> 31) | ((x[s + 3] >>> 31) << 1);
  c.r[i.a + 1] = 0;
}));

// ---- maskmovdqu xmm1, xmm2: bytes of xmm1 whose mask byte in xmm2 has its top bit set go to [rdi] ----

const TWO32 = 4294967296;
/**
 * The whole 16-byte destination is checked like any 16-byte store, whatever
 * the mask (as this machine's processor does: a zero mask at a bad address
 * still faults); only the selected bytes are written. No alignment needed.
 */
const maskmov: Exec = (c, i) => {
  const r = c.r;
  let a = i.m32 ? r[14] >>> 0 : (r[14] >>> 0) + r[15] * TWO32; // rdi / edi
  if (i.mseg !== SEG_NONE) a += i.mseg === SEG_FS ? c.ctx.fsBase : c.ctx.gsBase;
  wchk(c, a, 16);
  const u = c.u8, x = c.xu8, s = i.a, mk = i.b;
  for (let j = 0; j < 16; j++) if (x[mk + j] & 0x80) u[a + j] = x[s + j];
};
def(codes('Maskmovdqu_rDI_xmm_xmm'), (i: Insn) => {
  if (i.k0 !== K_STR || i.k1 !== K_XMM || i.k2 !== K_XMM) return null;
  i.a = 16 * i.r1;
  i.b = 16 * i.r2;
  return maskmov;
});

/**
 * SSE/SSE2 conversions: integers <-> floats (cvtsi2ss/sd, cvt[t]ss2si,
 * cvt[t]sd2si, cvtdq2ps/pd, cvt[t]ps2dq, cvt[t]pd2dq) and between formats
 * (cvtss2sd, cvtsd2ss, cvtps2pd, cvtpd2ps). Rounding by MXCSR.RC (the cvtt
 * forms truncate); out-of-range or NaN conversions to integers give the
 * integer indefinite with IE. The MMX-register forms (cvtpi2ps ...) are not
 * implemented: the engine has no MMX state.
 */
import type { Core } from '../core.js';
import { K_REG, type Exec, type Insn } from '../insn.js';
import { def, codes, type Build } from '../registry.js';
import { ld32, ld64 } from '../access.js';
import {
  begin, finish, fp, cvtOut, R32, RF32, RF64, S32, SF32, SF64, RZ,
  src128, src32, src64, srcIndex, toInt, z32, z64, f32to64, f64to32, i32to32, i64to32, i64to64,
} from './sse-float.js';

function xmmDest(exec: Exec): Build {
  return (i: Insn) => {
    i.a = 4 * i.r0;
    i.b = srcIndex(i);
    return exec;
  };
}

// ---- general-purpose integer -> scalar float: operand 1 is r32/r64 or m32/m64 ----

/** Reads operand 1 as a 32-bit integer. */
function gp32(c: Core, i: Insn): number {
  return i.k1 === K_REG ? c.r[i.b] : ld32(c, i.ea(c, i));
}
/** Reads operand 1 as a 64-bit integer: returns the low half, high half in c.hi. */
function gp64(c: Core, i: Insn): number {
  if (i.k1 === K_REG) { c.hi = c.r[i.b + 1]; return c.r[i.b]; }
  return ld64(c, i.ea(c, i));
}
function gpSource(exec: Exec): Build {
  return (i: Insn) => {
    i.a = 4 * i.r0;
    i.b = 2 * i.r1;
    return exec;
  };
}

def(codes('Cvtsi2ss_xmm_rm32'), gpSource((c, i) => {
  const v = gp32(c, i);
  begin(c);
  RF32[0] = i32to32(v);
  finish(c, i);
  c.x32[i.a] = R32[0];
}));
def(codes('Cvtsi2ss_xmm_rm64'), gpSource((c, i) => {
  const lo = gp64(c, i), hi = c.hi;
  begin(c);
  RF32[0] = i64to32(lo, hi);
  finish(c, i);
  c.x32[i.a] = R32[0];
}));
def(codes('Cvtsi2sd_xmm_rm32'), gpSource((c, i) => {
  c.xf64[i.a >> 1] = gp32(c, i); // exact
}));
def(codes('Cvtsi2sd_xmm_rm64'), gpSource((c, i) => {
  const lo = gp64(c, i), hi = c.hi;
  begin(c);
  RF64[0] = i64to64(lo, hi);
  finish(c, i);
  c.x32[i.a] = R32[0]; c.x32[i.a + 1] = R32[1];
}));

// ---- scalar float -> general-purpose integer: operand 0 is r32/r64 ----

function toGp(f64: boolean, trunc: boolean, bits64: boolean): Build {
  const exec: Exec = (c, i) => {
    let x: number;
    begin(c);
    if (f64) { src64(c, i); x = z64(SF64[0]); } else { src32(c, i); x = z32(SF32[0]); }
    toInt(x, trunc ? RZ : fp.rc, bits64);
    finish(c, i);
    c.r[i.a] = cvtOut.lo;
    c.r[i.a + 1] = cvtOut.hi;
  };
  return (i: Insn) => {
    i.a = 2 * i.r0;
    i.b = srcIndex(i);
    return exec;
  };
}

def(codes('Cvtss2si_r32_xmmm32'), toGp(false, false, false));
def(codes('Cvtss2si_r64_xmmm32'), toGp(false, false, true));
def(codes('Cvttss2si_r32_xmmm32'), toGp(false, true, false));
def(codes('Cvttss2si_r64_xmmm32'), toGp(false, true, true));
def(codes('Cvtsd2si_r32_xmmm64'), toGp(true, false, false));
def(codes('Cvtsd2si_r64_xmmm64'), toGp(true, false, true));
def(codes('Cvttsd2si_r32_xmmm64'), toGp(true, true, false));
def(codes('Cvttsd2si_r64_xmmm64'), toGp(true, true, true));

// ---- between formats ----

def(codes('Cvtss2sd_xmm_xmmm32'), xmmDest((c, i) => {
  src32(c, i);
  begin(c);
  f32to64(S32[0], SF32[0], 0);
  finish(c, i);
  c.x32[i.a] = R32[0]; c.x32[i.a + 1] = R32[1];
}));
def(codes('Cvtsd2ss_xmm_xmmm64'), xmmDest((c, i) => {
  src64(c, i);
  begin(c);
  R32[0] = f64to32(S32[1], S32[0], SF64[0]);
  finish(c, i);
  c.x32[i.a] = R32[0];
}));
def(codes('Cvtps2pd_xmm_xmmm64'), xmmDest((c, i) => {
  src64(c, i);
  begin(c);
  f32to64(S32[0], SF32[0], 0);
  f32to64(S32[1], SF32[1], 2);
  finish(c, i);
  put4(c, i.a);
}));
def(codes('Cvtpd2ps_xmm_xmmm128'), xmmDest((c, i) => {
  src128(c, i);
  begin(c);
  R32[0] = f64to32(S32[1], S32[0], SF64[0]);
  R32[1] = f64to32(S32[3], S32[2], SF64[1]);
  R32[2] = 0; R32[3] = 0;
  finish(c, i);
  put4(c, i.a);
}));

// ---- packed integers <-> floats ----

def(codes('Cvtdq2ps_xmm_xmmm128'), xmmDest((c, i) => {
  src128(c, i);
  begin(c);
  for (let j = 0; j < 4; j++) RF32[j] = i32to32(S32[j]);
  finish(c, i);
  put4(c, i.a);
}));
def(codes('Cvtdq2pd_xmm_xmmm64'), xmmDest((c, i) => {
  src64(c, i);
  const lo = S32[0], hi = S32[1]; // exact
  c.xf64[i.a >> 1] = lo;
  c.xf64[(i.a >> 1) + 1] = hi;
}));

function ps2dq(trunc: boolean): Exec {
  return (c, i) => {
    src128(c, i);
    begin(c);
    const mode = trunc ? RZ : fp.rc;
    for (let j = 0; j < 4; j++) { toInt(z32(SF32[j]), mode, false); R32[j] = cvtOut.lo; }
    finish(c, i);
    put4(c, i.a);
  };
}
function pd2dq(trunc: boolean): Exec {
  return (c, i) => {
    src128(c, i);
    begin(c);
    const mode = trunc ? RZ : fp.rc;
    toInt(z64(SF64[0]), mode, false); R32[0] = cvtOut.lo;
    toInt(z64(SF64[1]), mode, false); R32[1] = cvtOut.lo;
    R32[2] = 0; R32[3] = 0;
    finish(c, i);
    put4(c, i.a);
  };
}
def(codes('Cvtps2dq_xmm_xmmm128'), xmmDest(ps2dq(false)));
def(codes('Cvttps2dq_xmm_xmmm128'), xmmDest(ps2dq(true)));
def(codes('Cvtpd2dq_xmm_xmmm128'), xmmDest(pd2dq(false)));
def(codes('Cvttpd2dq_xmm_xmmm128'), xmmDest(pd2dq(true)));

function put4(c: Core, d: number): void {
  const x = c.x32;
  x[d] = R32[0]; x[d + 1] = R32[1]; x[d + 2] = R32[2]; x[d + 3] = R32[3];
}

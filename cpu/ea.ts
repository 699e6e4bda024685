/**
 * Effective-address functions, one per addressing form, chosen at decode time
 * (Insn.ea). RIP-relative operands were resolved to absolute addresses then.
 */
import type { Core } from './core.js';
import type { EaFn, Insn } from './insn.js';
import { SEG_FS } from './insn.js';

const TWO32 = 4294967296;

/** [disp] (absolute or RIP-relative). */
export const eaDisp: EaFn = (_c: Core, i: Insn) => i.md;
/** [base + disp] */
export const eaBase: EaFn = (c: Core, i: Insn) => {
  const r = c.r, b = i.mb;
  return (r[b] >>> 0) + r[b + 1] * TWO32 + i.md;
};
/** [base + index*scale + disp] */
export const eaBaseIndex: EaFn = (c: Core, i: Insn) => {
  const r = c.r, b = i.mb, x = i.mx;
  return (r[b] >>> 0) + r[b + 1] * TWO32 + ((r[x] >>> 0) + r[x + 1] * TWO32) * i.ms + i.md;
};
/** [index*scale + disp] */
export const eaIndex: EaFn = (c: Core, i: Insn) => {
  const r = c.r, x = i.mx;
  return ((r[x] >>> 0) + r[x + 1] * TWO32) * i.ms + i.md;
};
/** 32-bit address size (0x67): wraps at 2^32. */
export const eaAddr32: EaFn = (c: Core, i: Insn) => {
  const r = c.r;
  let a = i.md;
  if (i.mb >= 0) a += r[i.mb] >>> 0;
  if (i.mx >= 0) a += (r[i.mx] >>> 0) * i.ms;
  return a >>> 0;
};

/** Wraps an addressing form with the fs or gs base (segment override). */
export function withSegment(f: EaFn, seg: number): EaFn {
  return seg === SEG_FS
    ? (c: Core, i: Insn) => c.ctx.fsBase + f(c, i)
    : (c: Core, i: Insn) => c.ctx.gsBase + f(c, i);
}

/** For instructions without a memory operand. */
export const eaNone: EaFn = () => 0;

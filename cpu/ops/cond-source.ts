/**
 * Condition codes as JavaScript source for the compiled tier: when the block
 * itself just computed the flags (cmp, sub, test, and...) the condition is
 * evaluated from that instruction's operand locals, as flags.ts's cond()
 * would from the lazy state; otherwise it calls cond().
 */
import type { Gen } from '../emit.js';
import { KF_LOGIC, KF_SUB } from '../flags.js';

/** Boolean expression for condition cc (x86 encoding order o no b ae e ne be a s ns p np l ge le g). */
export function condSource(cc: number, g: Gen): string {
  const f = g.flags;
  const generic = `cond(c, ${cc})`;
  if (f === null) return generic;
  const { a, b, r, ah, bh, rh } = f;
  const wide = f.sz === 3;
  // 8/16-bit: operands are zero-extended, results unmasked; shifting puts the sign bit at bit 31
  const sh = f.sz === 0 ? 24 : f.sz === 1 ? 16 : 0;
  const top = (v: string) => (sh === 0 ? v : `(${v} << ${sh})`);
  const zero = wide ? `((${r} | ${rh}) === 0)` : `(${top(r)} === 0)`;
  const neg = wide ? `(${rh} < 0)` : `(${top(r)} < 0)`;
  let e: string | null = null;
  if (f.kind === KF_SUB) {
    const ltu = wide ? `(${ah} === ${bh} ? (${a} >>> 0) < (${b} >>> 0) : (${ah} >>> 0) < (${bh} >>> 0))` : `((${a} >>> 0) < (${b} >>> 0))`;
    const leu = wide ? `(${ah} === ${bh} ? (${a} >>> 0) <= (${b} >>> 0) : (${ah} >>> 0) < (${bh} >>> 0))` : `((${a} >>> 0) <= (${b} >>> 0))`;
    const lts = wide ? `(${ah} === ${bh} ? (${a} >>> 0) < (${b} >>> 0) : ${ah} < ${bh})` : `(${top(a)} < ${top(b)})`;
    const les = wide ? `(${ah} === ${bh} ? (${a} >>> 0) <= (${b} >>> 0) : ${ah} < ${bh})` : `(${top(a)} <= ${top(b)})`;
    const eq = wide ? `(${a} === ${b} && ${ah} === ${bh})` : `(${a} === ${b})`;
    e = [null, null, ltu, `!${ltu}`, eq, `!${eq}`, leu, `!${leu}`, neg, `!(${neg})`, null, null, lts, `!${lts}`, les, `!${les}`][cc];
  } else if (f.kind === KF_LOGIC) {
    // CF = OF = 0
    e = [`false`, `true`, `false`, `true`, zero, `!(${zero})`, zero, `!(${zero})`, neg, `!(${neg})`, null, null,
      neg, `!(${neg})`, `(${neg} || ${zero})`, `!(${neg} || ${zero})`][cc];
  } else {
    e = [null, null, null, null, zero, `!(${zero})`, null, null, neg, `!(${neg})`, null, null, null, null, null, null][cc];
  }
  if (e === null) return generic;
  g.fused = true;
  return e;
}

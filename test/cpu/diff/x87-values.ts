/**
 * 80-bit inputs for the x87 family: stack registers and m80 operands with
 * random 64-bit significands over the whole exponent range, values at the
 * rounding boundaries of every precision (64, 53 and 24 bits, the double and
 * float ranges, the integer conversions), NaN payloads below double width,
 * denormals, and now and then the encodings that only the x87 has:
 * pseudo-denormals, unnormals, pseudo-infinities and pseudo-NaNs (the SDM
 * defines what each instruction does with them: unsupported encodings are
 * invalid operands, pseudo-denormals are denormal operands).
 */
import { F80, f64BitsToF80, f64Bits } from './f80.js';
import { Rng } from './rng.js';
import { F64_EDGES, F64_NAN_BITS, mask } from './values.js';

const TOP = 1n << 63n;
const FRAC = TOP - 1n;
const BIAS = 16383;

const f80 = (sign: number, exp: number, mant: bigint): F80 => ({ sign, exp, mant });

/** Values only an 80-bit format has, and the tie and overflow points of narrower ones. */
const F80_EDGES: F80[] = [
  f80(0, 0x7ffe, mask(64)), // largest normal
  f80(0, 1, TOP), // smallest normal
  f80(0, 0, FRAC), // largest denormal
  f80(0, 0, 1n), // smallest denormal
  f80(0, BIAS - 1, mask(64)), // 1 - 2^-64
  f80(0, BIAS, TOP | 1n), // 1 + 2^-63
  f80(1, BIAS, TOP | 1n),
  f80(0, BIAS + 62, mask(64) - 1n), // 2^63 - 1: largest int64
  f80(1, BIAS + 63, TOP | 1n), // -2^63 - 1: just outside int64
  f80(0, BIAS + 63, TOP | 1n),
  f80(0, BIAS + 62, TOP | 1n), // 2^62 + 0.5: an integer-conversion tie
  f80(1, BIAS + 62, TOP | 3n), // -(2^62 + 1.5)
  f80(0, BIAS + 30, mask(64)), // 2^31 - 2^-33: rounds to 2^31 (int32 overflow) or not by mode
  f80(1, BIAS + 14, mask(64)),
  f80(0, BIAS - 1, TOP | 1n), // 0.5 + 2^-64
  f80(0, BIAS + 1023, 0xffff_ffff_ffff_fc00n), // DBL_MAX + half an ulp: double overflow by mode
  f80(0, BIAS + 1023, 0xffff_ffff_ffff_f800n), // DBL_MAX
  f80(1, BIAS + 1024, TOP),
  f80(0, BIAS - 1023, 0xffff_ffff_ffff_fc00n), // just below the smallest normal double: tiny before rounding, not after
  f80(0, BIAS - 1075, TOP), // half the smallest double denormal
  f80(0, BIAS - 1075, TOP | 1n),
  f80(0, BIAS + 127, 0xffff_ff80_0000_0000n), // FLT_MAX + half an ulp
  f80(1, BIAS - 127, 0xffff_ff80_0000_0000n),
  f80(0, BIAS - 150, TOP),
  f80(1, 0x7fff, 0xc000_0000_0000_0000n), // the real indefinite
  f80(0, 0x7fff, TOP | 1n), // SNaN with its payload below double width
  f80(0, 0x7fff, 0xc000_0000_0000_0001n),
  f80(1, 0x7fff, mask(64)),
];

/** A 64-bit significand (top bit set) whose low bits sit on or next to a rounding point of some precision. */
function significand(rng: Rng): bigint {
  let m = TOP | (rng.u64() & FRAC);
  if (rng.chance(0.6)) return m;
  // Cut at 53 bits (double), 24 (float), 64 (the integer part of fist) or anywhere.
  const cut = BigInt(rng.pick([11, 11, 40, 40, 1, 2, rng.range(1, 62)]));
  const low = (1n << cut) - 1n;
  const half = 1n << (cut - 1n);
  const pattern = rng.pick([half, half - 1n, half + 1n, 0n, 1n, low]);
  m = (m & ~low) | pattern;
  return m;
}

/** An exponent where something happens: the double, float and integer ranges, their edges. */
function boundaryExponent(rng: Rng): number {
  const e = rng.pick([1023, 1024, -1022, -1023, -1074, -1075, 127, 128, -126, -127, -149, -150, 14, 15, 30, 31, 62, 63, 64,
    -16382, 16383]);
  return Math.min(0x7ffe, Math.max(1, BIAS + e + rng.range(-1, 1)));
}

/**
 * A value for an x87 register or an m80 operand. `edge` (a form's first cases)
 * draws edge values more often.
 */
export function f80Value(rng: Rng, edge = false): F80 {
  const s = rng.int(2);
  const r = rng.int(100);
  if (r < (edge ? 30 : 12)) return f64BitsToF80(f64Bits(rng.pick(F64_EDGES)));
  if (r < (edge ? 45 : 18)) {
    const v = rng.pick(F80_EDGES);
    return { sign: rng.chance(0.7) ? v.sign : v.sign ^ 1, exp: v.exp, mant: v.mant };
  }
  if (r < (edge ? 50 : 22)) return f64BitsToF80(rng.pick(F64_NAN_BITS));
  if (r < 55) return f80(s, BIAS + rng.range(-64, 64), significand(rng)); // around 1, where most arithmetic happens
  if (r < 67) return f80(s, rng.range(1, 0x7ffe), significand(rng)); // anywhere
  if (r < 77) return f80(s, boundaryExponent(rng), significand(rng));
  if (r < 82) {
    // Small integers and halves off by a few 64-bit ulps.
    const x = f64BitsToF80(f64Bits(rng.range(-3000, 3000) / 2));
    if (x.mant === 0n) return x;
    return { ...x, mant: x.mant + BigInt(rng.range(-2, 2)) };
  }
  if (r < 87) return f80(s, 0, rng.chance(0.5) ? rng.u64() & FRAC : BigInt(rng.range(1, 1000))); // denormals
  if (r < 90) return f80(s, 0, 0n);
  if (r < 92) return f80(s, 0x7fff, TOP);
  if (r < 96) {
    // NaNs with payloads anywhere in the 62 bits, quiet or signalling.
    const quiet = rng.chance(0.5) ? 1n << 62n : 0n;
    let payload = rng.u64() & ((1n << 62n) - 1n);
    if (rng.chance(0.4)) payload &= 0x7ffn; // payload below double width only
    if (quiet === 0n && payload === 0n) payload = 1n;
    return f80(s, 0x7fff, TOP | quiet | payload);
  }
  // Encodings of the x87 alone.
  switch (rng.int(4)) {
    case 0: return f80(s, 0, TOP | (rng.u64() & FRAC)); // pseudo-denormal
    case 1: return f80(s, rng.range(1, 0x7ffe), rng.u64() & FRAC); // unnormal (or pseudo-zero)
    case 2: return f80(s, 0x7fff, 0n); // pseudo-infinity
    default: return f80(s, 0x7fff, (rng.u64() & FRAC) | 1n); // pseudo-NaN
  }
}

/** A double with random bits below double width: a genuine 80-bit value near x. */
export function widen(rng: Rng, x: number): F80 {
  const v = f64BitsToF80(f64Bits(x));
  if (v.exp === 0 || v.exp === 0x7fff || (v.mant & TOP) === 0n) return v;
  return { ...v, mant: v.mant | (rng.u64() & 0x7ffn) };
}

/** A value in [lo, hi] with a random 64-bit significand (transcendental domains). */
export function uniform80(rng: Rng, lo: number, hi: number): F80 {
  const x = lo + (hi - lo) * (rng.u32() / 0x1_0000_0000);
  // Extra bits below a double move it away from zero: not past an end of the range.
  return x === lo || x === hi ? f64BitsToF80(f64Bits(x)) : widen(rng, x);
}

export function isZero80(v: F80): boolean { return v.exp === 0 && v.mant === 0n; }
export function isFinite80(v: F80): boolean { return v.exp !== 0x7fff; }
export const ONE80: F80 = f80(0, BIAS, TOP);

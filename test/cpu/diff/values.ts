/**
 * Input values: edge cases for every operand type plus seeded random values.
 * Integers are unsigned bigints of the operand width; floats are bit patterns.
 */
import { Rng } from './rng.js';
import { f32Bits, f64Bits } from './f80.js';

export function mask(bits: number): bigint { return (1n << BigInt(bits)) - 1n; }

const intEdgeCache = new Map<number, bigint[]>();

export function intEdges(bits: number): bigint[] {
  let e = intEdgeCache.get(bits);
  if (e) return e;
  const m = mask(bits);
  const sign = 1n << BigInt(bits - 1);
  const half = 1n << BigInt(bits / 2);
  const raw = [0n, 1n, 2n, 3n, m, m - 1n, sign - 1n, sign, sign + 1n, sign - 2n, half - 1n, half, half + 1n,
    (m / 3n), (m / 3n) * 2n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n, 0xffffn, 0x7fff_ffffn, 0x8000_0000n,
    0xffff_ffffn, 0x1_0000_0000n];
  e = [...new Set(raw.map((v) => v & m))];
  intEdgeCache.set(bits, e);
  return e;
}

/**
 * Value generators take `edge`: true for a form's first cases, which draw edge
 * values nine times in ten; other cases draw them about half the time.
 */

/** An integer operand: edge values, some small signed values, the rest random. */
export function intValue(rng: Rng, bits: number, edge = false): bigint {
  const r = rng.int(10);
  if (r < (edge ? 9 : 5)) return rng.pick(intEdges(bits));
  if (r < 7) return BigInt(rng.range(-20, 20)) & mask(bits);
  return rng.u64() & mask(bits);
}

export const F64_EDGES: number[] = [
  0, -0, 1, -1, 2, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, 0.25, 0.75, 1 / 3, -2 / 3, 10, 100, 1e10, -1e-10,
  Math.PI, Math.E, Math.LN2, Math.SQRT2, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE,
  2.2250738585072014e-308 /* min normal */, -2.2250738585072014e-308, 2.225073858507201e-308 /* max subnormal */,
  5e-324, -5e-324, 1e-320, Infinity, -Infinity, NaN,
  2 ** 31, 2 ** 31 - 0.5, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) - 0.5, -(2 ** 31) - 1, 2 ** 32, 4294967295.5,
  2 ** 52, 2 ** 52 + 0.5, 2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 2 ** 64, -(2 ** 64), 2 ** 63 - 1024, 32767.5, -32768.5, 65536,
  1 + 2 ** -52, 1 - 2 ** -53, 3.4028234663852886e38, 3.4028235677973366e38 /* rounds to float max or inf by mode */,
  1.1754943508222875e-38, 1.401298464324817e-45, 7e-46, 16777217, 16777216.5, 0.1, -0.1, 1e-5,
];
/** NaN bit patterns: quiet, negative quiet (the default "indefinite"), payloads, signalling. */
export const F64_NAN_BITS: bigint[] = [
  0x7ff8_0000_0000_0000n, 0xfff8_0000_0000_0000n, 0x7ff8_0000_0000_1234n, 0xfffc_0000_dead_beefn,
  0x7ff0_0000_0000_0001n, 0xfff4_0000_0000_0000n, 0x7ff7_ffff_ffff_ffffn,
];

const F32_EDGES: number[] = [
  0, -0, 1, -1, 2, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, 0.1, 1 / 3, 100, 1e10, -1e-10, Math.PI,
  3.4028234663852886e38, -3.4028234663852886e38, 1.1754943508222875e-38, -1.1754943508222875e-38,
  1.1754942106924411e-38 /* max subnormal */, 1.401298464324817e-45, -1.401298464324817e-45, Infinity, -Infinity,
  2 ** 31, -(2 ** 31), 2 ** 31 - 128, -(2 ** 31) - 256, 2 ** 32, 2 ** 63, -(2 ** 63), 2 ** 24, 2 ** 24 + 2, 8388608.5,
  32767.5, -32768.5, 1 + 2 ** -23, 2 ** 23,
];
const F32_NAN_BITS: number[] = [0x7fc0_0000, 0xffc0_0000, 0x7fc0_1234, 0x7f80_0001, 0xffa0_0000, 0x7fbf_ffff];

export function f64Value(rng: Rng, edge = false): bigint {
  const r = rng.int(20);
  if (r < (edge ? 15 : 8)) return f64Bits(rng.pick(F64_EDGES));
  if (r < (edge ? 18 : 10)) return rng.pick(F64_NAN_BITS);
  if (r < 15) {
    // A "reasonable" number: exponent near zero, random mantissa and sign.
    const e = BigInt(1023 + rng.range(-40, 70));
    return (BigInt(rng.int(2)) << 63n) | (e << 52n) | (rng.u64() & mask(52));
  }
  if (r < 17) return f64Bits(rng.range(-3000, 3000) / 2); // integers and halves: rounding ties
  return rng.u64();
}

export function f32Value(rng: Rng, edge = false): number {
  const r = rng.int(20);
  if (r < (edge ? 15 : 8)) return f32Bits(Math.fround(rng.pick(F32_EDGES)));
  if (r < (edge ? 18 : 10)) return rng.pick(F32_NAN_BITS);
  if (r < 15) {
    const e = 127 + rng.range(-20, 34);
    return ((rng.int(2) << 31) | (e << 23) | (rng.u32() & 0x7f_ffff)) >>> 0;
  }
  if (r < 17) return f32Bits(rng.range(-3000, 3000) / 2);
  return rng.u32();
}

export type LaneType = 'f32' | 'f64' | 'i8' | 'i16' | 'i32' | 'i64';

/** 16 bytes of an XMM register with lanes of the given type. */
export function xmmValue(rng: Rng, lane: LaneType, edge = false): Uint8Array {
  const out = new Uint8Array(16);
  const dv = new DataView(out.buffer);
  const sameLanes = rng.chance(0.1);
  for (let i = 0; i < 16;) {
    switch (lane) {
      case 'f32': dv.setUint32(i, f32Value(rng, edge), true); i += 4; break;
      case 'f64': dv.setBigUint64(i, f64Value(rng, edge), true); i += 8; break;
      case 'i8': dv.setUint8(i, Number(intValue(rng, 8, edge))); i += 1; break;
      case 'i16': dv.setUint16(i, Number(intValue(rng, 16, edge)), true); i += 2; break;
      case 'i32': dv.setUint32(i, Number(intValue(rng, 32, edge)), true); i += 4; break;
      case 'i64': dv.setBigUint64(i, intValue(rng, 64, edge), true); i += 8; break;
    }
  }
  if (sameLanes) {
    const w = lane === 'f64' || lane === 'i64' ? 8 : lane === 'i8' ? 1 : lane === 'i16' ? 2 : 4;
    for (let i = w; i < 16; i++) out[i] = out[i % w];
  }
  return out;
}

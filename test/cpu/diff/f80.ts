/**
 * 80-bit extended precision <-> IEEE double, bit-exact, for building x87 inputs
 * and judging x87 results (test code: BigInt is fine here).
 */
const M52 = (1n << 52n) - 1n;
const TOP_BIT = 1n << 63n;

export function f64Bits(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
}

export function bitsF64(b: bigint): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt.asUintN(64, b), true);
  return dv.getFloat64(0, true);
}

export function f32Bits(x: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x, true);
  return dv.getUint32(0, true);
}

export function bitsF32(b: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, b >>> 0, true);
  return dv.getFloat32(0, true);
}

export interface F80 { sign: number; exp: number; mant: bigint }

export function readF80(bytes: Uint8Array, off: number): F80 {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const mant = dv.getBigUint64(off, true);
  const se = dv.getUint16(off + 8, true);
  return { sign: se >> 15, exp: se & 0x7fff, mant };
}

export function writeF80(bytes: Uint8Array, off: number, v: F80): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  dv.setBigUint64(off, v.mant, true);
  dv.setUint16(off + 8, (v.sign << 15) | v.exp, true);
}

/** The exact extended value of a double given by its bits (every double is representable). */
export function f64BitsToF80(bits: bigint): F80 {
  const sign = Number(bits >> 63n);
  const e = Number((bits >> 52n) & 0x7ffn);
  const m = bits & M52;
  if (e === 0x7ff) return { sign, exp: 0x7fff, mant: TOP_BIT | (m << 11n) };
  if (e === 0) {
    if (m === 0n) return { sign, exp: 0, mant: 0n };
    const p = m.toString(2).length - 1; // msb position
    return { sign, exp: p - 1074 + 16383, mant: m << BigInt(63 - p) };
  }
  return { sign, exp: e - 1023 + 16383, mant: TOP_BIT | (m << 11n) };
}

export interface Rounded { bits: bigint; exact: boolean }

/** Rounds an extended value to double, round-to-nearest-even (fst m64 with RC=nearest). */
export function f80ToF64Bits(v: F80): Rounded {
  const s = BigInt(v.sign) << 63n;
  if (v.exp === 0x7fff) {
    const frac = v.mant & (TOP_BIT - 1n);
    if (frac === 0n) return { bits: s | (0x7ffn << 52n), exact: (v.mant & TOP_BIT) !== 0n };
    // NaN: the top 52 fraction bits; a signalling NaN whose payload is all in the dropped
    // bits keeps the lowest bit set so that it stays a (signalling) NaN.
    let m = (v.mant >> 11n) & M52;
    if (m === 0n) m = 1n;
    return { bits: s | (0x7ffn << 52n) | m, exact: (v.mant & 0x7ffn) === 0n };
  }
  if (v.mant === 0n) return { bits: s, exact: true };
  // value = mant * 2^(E - 63), E unbiased; pseudo-denormals (exp 0) use E = -16382.
  const E = (v.exp === 0 ? 1 : v.exp) - 16383;
  const msb = v.mant.toString(2).length - 1;
  const topE = E - (63 - msb); // exponent of the leading one
  if (topE > 1023) return { bits: s | (0x7ffn << 52n), exact: false };
  // Number of low bits of mant to drop: keep 53 significant bits, fewer in the subnormal range.
  const keepFromBit = topE >= -1022 ? msb - 52 : msb - 52 + (-1022 - topE);
  let q: bigint;
  let exact: boolean;
  if (keepFromBit <= 0) {
    q = v.mant << BigInt(-keepFromBit);
    exact = true;
  } else if (keepFromBit > 64) {
    q = 0n;
    exact = false;
  } else {
    const sh = BigInt(keepFromBit);
    q = v.mant >> sh;
    const r = v.mant & ((1n << sh) - 1n);
    const half = 1n << (sh - 1n);
    exact = r === 0n;
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
  }
  if (topE >= -1022) {
    // q has 53 bits (or 54 after a carry).
    let e = topE;
    if (q >> 53n) { q >>= 1n; e += 1; }
    if (e > 1023) return { bits: s | (0x7ffn << 52n), exact: false };
    return { bits: s | (BigInt(e + 1023) << 52n) | (q & M52), exact };
  }
  // Subnormal: q counts units of 2^-1074; a carry into bit 52 gives the smallest normal.
  return { bits: s | q, exact };
}

export function f64ToF80(x: number): F80 { return f64BitsToF80(f64Bits(x)); }

export function isNaN80(v: F80): boolean { return v.exp === 0x7fff && (v.mant & (TOP_BIT - 1n)) !== 0n; }

export function formatF80(v: F80): string {
  const r = f80ToF64Bits(v);
  const hex = `${v.sign ? '-' : '+'}${v.exp.toString(16).padStart(4, '0')}:${v.mant.toString(16).padStart(16, '0')}`;
  return `${hex} (~${bitsF64(r.bits)}${r.exact ? '' : ', inexact as double'})`;
}
